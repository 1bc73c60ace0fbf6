"""The risks' text index on SQLite (aims.core.text_search): the register's searched columns, as listed here."""

from django.db import migrations

TABLE = "risks_risk"
COLUMNS = ["title", "risk_source", "event", "consequence"]  # register.SEARCH_FIELDS when this was written


def forwards(apps, schema_editor):
    from aims.core import text_search

    text_search.install(schema_editor, TABLE, COLUMNS)


def backwards(apps, schema_editor):
    from aims.core import text_search

    text_search.remove(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("risks", "0009_register_filters_index")]

    operations = [migrations.RunPython(forwards, backwards)]
