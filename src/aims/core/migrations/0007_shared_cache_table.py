"""The table of the database cache, which every web process shares when there is no Redis (login-failure counters:
the lockout must count failures across gunicorn workers). Created whatever the cache settings, so switching from
Redis to the database later needs nothing more."""

from django.db import migrations

TABLE = "aims_cache"


def create(apps, schema_editor):
    from django.core.management.commands.createcachetable import Command

    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0006_ledger_recipe_2")]
    operations = [migrations.RunPython(create, drop)]
