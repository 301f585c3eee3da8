"""List the English catalogue's entries that still need a translator (untranslated or fuzzy).

python scripts/po_todo.py            # list them
python scripts/po_todo.py fix.json   # apply {"<Thai msgid>": "<English>"} and clear fuzzy flags
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "src/thamdee/locale/en/LC_MESSAGES/django.po"


def main() -> int:
    po = polib.pofile(str(PO), wrapwidth=0)
    if len(sys.argv) > 1:
        fixes = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
        for entry in po:
            if entry.msgid in fixes:
                value = fixes[entry.msgid]
                if entry.msgid_plural:
                    pair = value if isinstance(value, list) else [value, value]
                    entry.msgstr_plural = {0: pair[0], 1: pair[1]}
                else:
                    entry.msgstr = value
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                entry.previous_msgid = None
                entry.previous_msgid_plural = None
                entry.previous_msgctxt = None
        po.save()
    todo = [e for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    for entry in todo:
        print(
            json.dumps(
                {"msgid": entry.msgid, "plural": entry.msgid_plural or None, "now": entry.msgstr}, ensure_ascii=False
            )
        )
    print(f"{len(todo)} to translate", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
