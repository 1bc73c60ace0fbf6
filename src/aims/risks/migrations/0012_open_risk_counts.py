"""The organisation-wide heatmap's counts, kept by triggers on the risks table (aims.risks.heatmap)."""

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
