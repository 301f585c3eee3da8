from django.db import migrations


def recount_splits(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The virtue and dimension cells kept so far counted a deed under each of its type's virtues (dimensions):
    counted again, each deed under its type's main one (``DeedType.main_virtue``)."""
    from thamdee.reports import rollups

    rollups.rebuild_splits()


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0007_rollup_year_totals'),
        # the types' main virtue and dimension, and the deeds' columns as the rollups read them now
        ('deeds', '0009_main_virtue_and_dimension'),
    ]

    operations = [
        migrations.RunPython(recount_splits, migrations.RunPython.noop),
    ]
