"""Counts of risks per method version, closed or not, and score combination, kept by triggers on the risks table
for the organisation-wide heatmap and the register's total (aims.risks.heatmap)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from aims.risks import heatmap

    heatmap.install_counts(schema_editor)


def backwards(apps, schema_editor):
    from aims.risks import heatmap

    heatmap.remove_counts(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("risks", "0011_sort_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
