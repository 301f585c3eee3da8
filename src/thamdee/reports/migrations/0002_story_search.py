"""Thai text search over stories: a trigram index on PostgreSQL (SQL beside this file); SQLite scans."""

from django.db import migrations

from thamdee.common.db import run_sql_for_vendor


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        migrations.RunPython(run_sql_for_vendor(__file__, ("postgresql",)), migrations.RunPython.noop),
    ]
