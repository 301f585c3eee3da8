"""Rollup cells split by virtue or dimension are kept for whole years only: the month splits, which nothing
reads, are deleted, and the database refuses new ones."""

from django.db import migrations, models


def drop_month_splits(apps, schema_editor):
    Rollup = apps.get_model("reports", "Rollup")
    Rollup.objects.exclude(month=0).exclude(virtue="", dimension="").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_orgrollup_top_by_deeds"),
    ]

    operations = [
        # Nothing to restore going back: a rebuild (``thamdee reports rebuild``) of the older code makes them again.
        migrations.RunPython(drop_month_splits, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="rollup",
            constraint=models.CheckConstraint(
                condition=models.Q(("month", 0), models.Q(("dimension", ""), ("virtue", "")), _connector="OR"),
                name="reports_rollup_split_by_year",
            ),
        ),
    ]
