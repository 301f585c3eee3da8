"""What the services keep, kept by the database too (SQL beside this file): a score and an evidence file name an
activity of their assessment's framework; an assessment's framework is of its subject (organisations or
provinces) and never changes; a province assessed is a province; the history is only ever added to."""

from django.db import migrations

from thamdee.common.db import run_sql_for_vendor


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_evidence_files"), ("ledger", "0002_integrity")]

    operations = [
        migrations.RunPython(run_sql_for_vendor(__file__), migrations.RunPython.noop, elidable=False),
    ]
