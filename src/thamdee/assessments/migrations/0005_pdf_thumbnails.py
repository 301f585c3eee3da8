"""A PDF kept as evidence may have a thumbnail of its first page (those kept before have none), and must have its
pages (the check before let a NULL through). On SQLite the
app's triggers (0003_integrity) are dropped around the change and made again: SQLite alters a table by remaking
it."""

from pathlib import Path

from django.conf import settings
from django.db import migrations, models

from thamdee.common.db import run_sql_for_vendor, sqlite_triggers_dropped

INTEGRITY = str(Path(__file__).with_name("0003_integrity.py"))


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0004_confirmed_by_agency'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_dropped("assessments_"), migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint(
            model_name='evidencefile',
            name='assessments_evidencefile_shape',
        ),
        migrations.AddConstraint(
            model_name='evidencefile',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('content_type', 'application/pdf'), ('pages__gte', 1), ('pages__isnull', False)), models.Q(('content_type', 'image/jpeg'), ('pages__isnull', True), models.Q(('thumbnail', ''), _negated=True)), _connector='OR'), name='assessments_evidencefile_shape'),
        ),
        migrations.RunPython(run_sql_for_vendor(INTEGRITY, vendors=("sqlite",)), migrations.RunPython.noop, elidable=False),
    ]
