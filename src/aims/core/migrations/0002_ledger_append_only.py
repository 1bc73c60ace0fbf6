"""Make the ledger append-only at the database level (see aims.core.ledger_triggers)."""

from django.db import migrations


def install(apps, schema_editor):
    from aims.core import ledger_triggers

    ledger_triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    from aims.core import ledger_triggers

    ledger_triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
