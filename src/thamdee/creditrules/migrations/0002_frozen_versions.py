"""Published rulebook versions never change: the database refuses it (SQL beside this file)."""

from django.db import migrations

from thamdee.common.db import run_sql_for_vendor


class Migration(migrations.Migration):
    dependencies = [("creditrules", "0001_initial"), ("ledger", "0002_integrity")]

    operations = [
        migrations.RunPython(run_sql_for_vendor(__file__), migrations.RunPython.noop, elidable=False),
    ]
