"""Set-based posting of many journals staged in temporary tables (bulk ingest of verified deeds): the function
is in the SQL file beside this one (PostgreSQL only; SQLite posts through the ordinary batch path)."""

from django.db import migrations

from thamdee.common.db import run_sql_for_vendor


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_integrity")]

    operations = [
        migrations.RunPython(run_sql_for_vendor(__file__, ("postgresql",)), migrations.RunPython.noop, elidable=False),
    ]
