from django.db import migrations

# The district's default arrears ladder: months of rent owed, then days since the
# previous step. Art. 29: 6 months or more puts the household on the "must vacate" list.
STEPS = [
    ("sms", 1, 1, 0),
    ("letter_1", 2, 2, 14),
    ("letter_2", 3, 3, 14),
    ("visit", 4, 3, 14),
    ("final_notice", 5, 5, 14),
    ("must_vacate", 6, 6, 0),
]


def default_steps(apps, schema_editor):
    ArrearsStep = apps.get_model("tenancy", "ArrearsStep")
    for action, order, months, wait in STEPS:
        ArrearsStep.objects.get_or_create(
            action=action, defaults={"order": order, "min_months": months, "wait_days": wait}
        )


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]
    operations = [migrations.RunPython(default_steps, migrations.RunPython.noop)]
