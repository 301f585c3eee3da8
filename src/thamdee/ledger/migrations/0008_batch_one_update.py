"""The batch posting function (``thamdee_ledger_post_batch``) moves balances with one ordered UPDATE instead of a
locking SELECT and an UPDATE (PostgreSQL only; the SQL file beside this one, see docs/ledger-bench.md)."""

from django.db import migrations

from thamdee.common.db import run_sql_for_vendor


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_journal_memos_to_notes")]

    operations = [
        migrations.RunPython(run_sql_for_vendor(__file__, ("postgresql",)), migrations.RunPython.noop, elidable=False),
    ]
