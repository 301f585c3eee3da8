"""A family link counts once the person named confirms it. The links made before, when naming was enough, stand
as they were: they are marked confirmed when they were made."""

from django.db import migrations, models


def confirm_earlier_links(apps, schema_editor):
    FamilyLink = apps.get_model("people", "FamilyLink")
    FamilyLink.objects.filter(confirmed_at__isnull=True).update(confirmed_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_familylink"),
    ]

    operations = [
        migrations.AddField(
            model_name="familylink",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ยืนยันเมื่อ"),
        ),
        migrations.RunPython(confirm_earlier_links, migrations.RunPython.noop),
    ]
