"""The misdeeds catalogue's defaults, from the Hong Kong Housing Authority's Marking
Scheme for Estate Management Enforcement (../shared/POLICY.md). The authority edits
them as data."""

from django.db import migrations

SOURCE = "香港房屋委员会《屋邨管理扣分制》"
# (code, name, points, written warning first)
RULES = [
    ("drying_clothes", "在公众地方晾晒衣物", 3, True),
    ("dripping_water", "滴水（晾晒、花盆等）", 3, True),
    ("stagnant_water", "积水导致蚊患", 5, True),
    ("ac_drip", "空调机滴水", 5, True),
    ("smoking_public", "在公众地方吸烟", 5, False),
    ("littering", "乱抛垃圾", 7, False),
    ("dumping_refuse", "乱倒垃圾或弃置杂物", 7, True),
    ("animal_fouling", "任由宠物便溺弄污公众地方", 7, True),
    ("obstructing_corridor", "堆放杂物阻塞走廊、楼梯", 7, True),
    ("noise", "发出噪音滋扰邻居", 7, True),
    ("falling_objects_risk", "窗外悬挂物品有坠落危险", 7, True),
    ("illegal_use", "将单位作非法用途", 15, False),
    ("damaging_property", "损毁屋邨公物", 15, False),
    ("obstructing_staff", "阻挠工作人员执行职务", 15, False),
    ("throwing_objects", "高空抛物危害他人", 15, False),
]


def forwards(apps, schema_editor):
    PointRule = apps.get_model("supervision", "PointRule")
    for code, name, points, warning in RULES:
        PointRule.objects.get_or_create(
            code=code,
            defaults={"name": name, "points": points, "warning_first": warning, "source": SOURCE},
        )


def backwards(apps, schema_editor):
    apps.get_model("supervision", "PointRule").objects.filter(
        code__in=[r[0] for r in RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_event_storage")]
    operations = [migrations.RunPython(forwards, backwards)]
