"""The staged posting function (``thamdee_ledger_post_staged``, bulk ingest) counts a credit committed while its
balance update waited: a refusal is tried again with every account locked (PostgreSQL only; the SQL file beside
this one)."""

from django.db import migrations

from thamdee.common.db import run_sql_for_vendor


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_batch_one_update")]

    operations = [
        migrations.RunPython(run_sql_for_vendor(__file__, ("postgresql",)), migrations.RunPython.noop, elidable=False),
    ]
