"""Retention, legal hold and immutable versions enforced by the database itself (see aims.evidence.guards)."""

from django.db import migrations


def install(apps, schema_editor):
    from aims.evidence import guards

    guards.install(schema_editor.connection)


def remove(apps, schema_editor):
    from aims.evidence import guards

    guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
