"""Agencies verify only national templates' deeds: an organisation's own deed type never says "verified by the
agency".

Before, an organisation could mark its own type so, and any agency verifier over a deed's area then saw and
decided its deeds. Such types are handed back to their organisation (its verifiers see them already and now
verify their waiting deeds too, so no deed is left without a verifier); then the database refuses the mark on
any type that is neither a template nor a template's copy. Going back only drops the constraint: which types
were marked before is not kept.
"""

from django.db import migrations, models


def hand_local_types_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    DeedType = apps.get_model("deeds", "DeedType")
    DeedType.objects.filter(verified_by="agency", organisation__isnull=False, adopted_from__isnull=True).update(
        verified_by="organisation"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("deeds", "0007_reported_once"),
    ]

    operations = [
        migrations.RunPython(hand_local_types_back, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="deedtype",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("verified_by", "organisation"),
                    ("organisation__isnull", True),
                    ("adopted_from__isnull", False),
                    _connector="OR",
                ),
                name="deeds_deedtype_agency_verifies_templates",
            ),
        ),
    ]
