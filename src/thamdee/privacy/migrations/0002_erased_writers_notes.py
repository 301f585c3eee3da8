"""Delete the gift and donation messages of people whose erasure was carried out before messages were kept apart.

Until ledger migration 0007 a message lived in the append-only journal, so an erasure could not clear it (the
recipient kept seeing it). 0007 moved every message into a note (``ledger_journalnote``); here the notes of people
already erased go, as an erasure carried out today would delete them (``privacy.services._ledger_notes``).
"""

from django.db import migrations


def forwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    JournalNote = apps.get_model("ledger", "JournalNote")
    ErasureRequest = apps.get_model("privacy", "ErasureRequest")
    erased = ErasureRequest.objects.filter(status="carried_out").values("user_id")
    JournalNote.objects.filter(author_id__in=erased).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial"), ("ledger", "0007_journal_memos_to_notes")]

    # Not reversible in substance: an erased message is gone (the reverse changes nothing).
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
