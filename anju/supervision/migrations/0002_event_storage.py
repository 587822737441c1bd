"""Event tables are append-only and scanned by day windows. PostgreSQL gets BRIN
indexes on the day number (rows arrive roughly in time order, so a BRIN index is tiny
and prunes a window scan); both databases get a trigger that refuses updates."""

from django.db import migrations

TABLES = {
    "supervision_accessevent": "access",
    "supervision_meterreading": "meter",
}


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    run = schema_editor.execute
    if vendor == "postgresql":
        run(
            "CREATE FUNCTION supervision_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
        )
    for table, short in TABLES.items():
        if vendor == "postgresql":
            run(f"CREATE INDEX {short}_day_brin ON {table} USING brin (day)")
            run(
                f"CREATE TRIGGER {short}_append_only BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION supervision_append_only()"
            )
        else:
            run(f"CREATE INDEX {short}_day ON {table} (day)")
            run(
                f"CREATE TRIGGER {short}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    run = schema_editor.execute
    for table, short in TABLES.items():
        run(f"DROP TRIGGER IF EXISTS {short}_append_only" + (f" ON {table}" if vendor == "postgresql" else ""))
        run(f"DROP INDEX IF EXISTS {short}_day_brin")
        run(f"DROP INDEX IF EXISTS {short}_day")
    if vendor == "postgresql":
        run("DROP FUNCTION IF EXISTS supervision_append_only()")


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
