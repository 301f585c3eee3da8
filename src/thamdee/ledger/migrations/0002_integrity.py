"""Install the ledger's integrity triggers and posting functions (0002_integrity.<vendor>.sql beside this file)."""

from django.db import migrations

from thamdee.common.db import run_sql_for_vendor


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(run_sql_for_vendor(__file__), migrations.RunPython.noop, elidable=False),
    ]
