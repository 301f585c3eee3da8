"""Seed the virtues (คุณธรรม) and dimensions (มิติ) of the 2024 agreement."""

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from thamdee.deeds.seed import ensure_virtues_and_dimensions

    ensure_virtues_and_dimensions(apps.get_model("deeds", "Virtue"), apps.get_model("deeds", "Dimension"))


class Migration(migrations.Migration):
    dependencies = [("deeds", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
