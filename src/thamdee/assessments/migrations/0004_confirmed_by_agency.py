"""The agency a confirmation was made for, named on the result's certificate. On SQLite the app's triggers
(0003_integrity) are dropped around the change and made again: SQLite alters a table by remaking it."""

from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from thamdee.common.db import run_sql_for_vendor, sqlite_triggers_dropped

INTEGRITY = str(Path(__file__).with_name("0003_integrity.py"))


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0001_initial'),
        ('assessments', '0003_integrity'),
        ('orgs', '0003_membership_invitations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_dropped("assessments_"), migrations.RunPython.noop, elidable=False),
        migrations.AddField(
            model_name='assessment',
            name='confirmed_by_agency',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.organisation', verbose_name='หน่วยงานที่รับรอง'),
        ),
        migrations.AddConstraint(
            model_name='assessment',
            constraint=models.CheckConstraint(condition=models.Q(('confirmed_by_agency__isnull', True), ('status', 'confirmed'), _connector='OR'), name='assessments_assessment_agency_only_when_confirmed'),
        ),
        migrations.RunPython(run_sql_for_vendor(INTEGRITY, vendors=("sqlite",)), migrations.RunPython.noop, elidable=False),
    ]
