"""Ledger recipe 2: a `recipe` column under the hash (existing events keep recipe 1 and verify as before), and the
triggers that also refuse an insert anywhere but after the last event (SQLite's INSERT OR REPLACE included).

The column is added with plain SQL: Django would rebuild the SQLite table (dropping its triggers) and give existing
rows the model's default (2) instead of 1.
"""

from django.db import migrations, models


def add_recipe_column(apps, schema_editor):
    from aims.core import ledger_triggers

    vendor = schema_editor.connection.vendor
    column_type = "smallint unsigned" if vendor == "sqlite" else "smallint"
    schema_editor.execute(f'ALTER TABLE core_ledgerevent ADD COLUMN "recipe" {column_type} NOT NULL DEFAULT 1 '
                          'CHECK ("recipe" >= 0)')
    ledger_triggers.install(schema_editor.connection)


def drop_recipe_column(apps, schema_editor):
    schema_editor.execute('ALTER TABLE core_ledgerevent DROP COLUMN "recipe"')  # the triggers do not use it


class Migration(migrations.Migration):
    dependencies = [("core", "0005_verbose_names")]
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_recipe_column, drop_recipe_column)],
            state_operations=[migrations.AddField(
                model_name="ledgerevent", name="recipe",
                field=models.PositiveSmallIntegerField(default=2, editable=False),
            )],
        ),
    ]
