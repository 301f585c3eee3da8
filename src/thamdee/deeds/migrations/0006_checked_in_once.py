"""One check-in per member and activity, held by the database: two check-ins sent at once (a double tap, the QR
scan and the organiser's roster) could both pass the service's "already checked in?" read and both be awarded.
The unique index leads with the activity, so it replaces the plain partial index on the activity."""

from django.db import migrations, models


def refuse_duplicates(apps, schema_editor):
    """Stop with the duplicates named, rather than a bare unique violation, if an earlier race left any: which
    of two check-ins to keep (and reverse the other's award) is a decision for the organiser, not a migration."""
    Deed = apps.get_model("deeds", "Deed")
    dupes = (
        Deed.objects.filter(activity__isnull=False)
        .values("activity_id", "member_id")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    found = list(dupes[:20])
    if found:
        pairs = ", ".join(f"activity {d['activity_id']} / member {d['member_id']} ({d['n']})" for d in found)
        raise RuntimeError(
            "เช็กอินซ้ำในกิจกรรมเดียวกัน: ให้ผู้จัดกลับรายการที่ซ้ำก่อน / the same member checked in to an activity "
            f"more than once; reverse the extra deeds first: {pairs}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deeds", "0005_shared_explanations"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="deed",
            constraint=models.UniqueConstraint(
                condition=models.Q(("activity__isnull", False)),
                fields=("activity", "member"),
                name="deeds_deed_checked_in_once",
            ),
        ),
        migrations.RemoveIndex(
            model_name="deed",
            name="deeds_deed_activity",
        ),
    ]
