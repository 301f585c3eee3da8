"""The history records the revocation of a signed result by its agency, with its reason (like a return). On SQLite
the app's triggers (0003_integrity) are dropped around the change and made again: SQLite alters a table by remaking
it."""

from pathlib import Path

from django.db import migrations, models

from thamdee.common.db import run_sql_for_vendor, sqlite_triggers_dropped

INTEGRITY = str(Path(__file__).with_name("0003_integrity.py"))


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0005_pdf_thumbnails'),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_dropped("assessments_"), migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint(
            model_name='assessmentevent',
            name='assessments_assessmentevent_return_has_reason',
        ),
        migrations.AlterField(
            model_name='assessmentevent',
            name='action',
            field=models.CharField(choices=[('submitted', 'ส่งผล'), ('returned', 'ส่งกลับให้แก้ไข'), ('confirmed', 'รับรองผล'), ('revoked', 'เพิกถอนผลที่รับรอง')], max_length=10, verbose_name='การดำเนินการ'),
        ),
        migrations.AddConstraint(
            model_name='assessmentevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('action__in', ['returned', 'revoked']), _negated=True), models.Q(('note', ''), _negated=True), _connector='OR'), name='assessments_assessmentevent_return_has_reason'),
        ),
        migrations.RunPython(run_sql_for_vendor(INTEGRITY, vendors=("sqlite",)), migrations.RunPython.noop, elidable=False),
    ]
