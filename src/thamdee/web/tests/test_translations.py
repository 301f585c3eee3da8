"""The English catalogue is complete and safe to format.

Thai is the source language; every string marked for translation must have an English translation in
``locale/en/LC_MESSAGES/django.po``. These tests fail on an entry that is untranslated or fuzzy, and on an entry
whose placeholders (``%(name)s``, ``{name}``, HTML tags) differ between the Thai msgid and the English msgstr,
since a missing or renamed placeholder raises at run time or silently drops a value.

To refresh the catalogue after changing strings (from ``src/thamdee``):

    thamdee makemessages -l en --no-obsolete --ignore "static/*" --ignore "tests/*" --ignore "*/tests/*"
    python ../../scripts/po_todo.py          # lists what needs a translator
    thamdee compilemessages -l en            # ./dev does this too; the .mo is a build artefact
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
import pytest

import thamdee

PO_PATH = Path(thamdee.__file__).resolve().parent / "locale" / "en" / "LC_MESSAGES" / "django.po"

# printf-style, named (%(name)s) or positional (%s, %d); "%%" is a literal percent sign and is removed first.
PRINTF = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdifrxXeEgGcaou]")
# str.format-style ({name}, {name!r}, {name:>5}); "{{" and "}}" are literal braces and are removed first.
BRACE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])*(?:![rsa])?(?::[^{}]*)?\}")
# HTML tags are compared by name only, so an attribute's text (a title, an alt) may be translated.
TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)\b[^<>]*>")


def placeholders(text: str) -> Counter[str]:
    printf = PRINTF.findall(text.replace("%%", ""))
    brace = BRACE.findall(text.replace("{{", "").replace("}}", ""))
    tags = [("</" if m.group(0).startswith("</") else "<") + m.group(1).lower() for m in TAG.finditer(text)]
    return Counter(printf + brace + tags)


def _describe(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    return f"{entry.msgid!r}" + (f" ({where})" if where else "")


def _pairs(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(source, translation) pairs to compare: msgid with msgstr[0], msgid_plural with every other form."""
    if not entry.msgid_plural:
        return [(entry.msgid, entry.msgstr)]
    forms = entry.msgstr_plural
    return [(entry.msgid if index == 0 else entry.msgid_plural, forms[index]) for index in sorted(forms)]


def _edges(text: str) -> tuple[bool, bool]:
    """Whether a string starts and ends with whitespace (a leading " · " joins two messages, for instance)."""
    return text[:1].isspace(), text[-1:].isspace()


def problems_in(catalogue: polib.POFile) -> list[str]:
    """Everything wrong with the catalogue, one line per problem (empty when the catalogue is sound)."""
    found: list[str] = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {_describe(entry)}")
            continue
        if not entry.translated():
            found.append(f"untranslated: {_describe(entry)}")
            continue
        for source, translation in _pairs(entry):
            want, got = placeholders(source), placeholders(translation)
            if want != got:
                missing = ", ".join(sorted((want - got).elements())) or "-"
                extra = ", ".join(sorted((got - want).elements())) or "-"
                found.append(f"placeholders differ (missing {missing}; extra {extra}): {_describe(entry)}")
            elif _edges(source) != _edges(translation):
                found.append(f"leading or trailing whitespace differs: {_describe(entry)} -> {translation!r}")
    return found


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    assert PO_PATH.is_file(), f"missing {PO_PATH}"
    return polib.pofile(str(PO_PATH))


def test_the_catalogue_is_english_with_two_plural_forms(catalogue):
    assert catalogue.metadata.get("Language") == "en"
    assert "nplurals=2" in catalogue.metadata.get("Plural-Forms", "")
    assert len(catalogue) > 0


def test_every_entry_is_translated_and_keeps_its_placeholders(catalogue):
    found = problems_in(catalogue)
    assert not found, f"{len(found)} problem(s) in {PO_PATH.name}:\n" + "\n".join(found)


class TestTheCheckItself:
    """The checks above would catch a broken entry (they are not vacuous)."""

    def check(self, **fields) -> list[str]:
        catalogue = polib.POFile()
        catalogue.metadata = {"Language": "en", "Plural-Forms": "nplurals=2; plural=(n != 1);"}
        catalogue.append(polib.POEntry(**fields))
        return problems_in(catalogue)

    def test_a_sound_entry_passes(self):
        sound = self.check(msgid="คุณได้รับ {amount} เครดิตจาก {name}", msgstr="You received {amount} credits from {name}")
        assert sound == []
        assert self.check(msgid="ลบ 5%% แล้ว <b>%(n)s</b>", msgstr="<b>%(n)s</b> removed, 5%% off") == []

    def test_an_untranslated_entry_fails(self):
        assert self.check(msgid="บันทึก", msgstr="")[0].startswith("untranslated")

    def test_a_fuzzy_entry_fails_even_with_a_translation(self):
        assert self.check(msgid="บันทึก", msgstr="Save", flags=["fuzzy"])[0].startswith("fuzzy")

    @pytest.mark.parametrize(
        ("msgid", "msgstr"),
        [
            ("ได้ %(n)s เครดิต", "Credits earned"),  # dropped
            ("ได้ %(n)s เครดิต", "Credits earned: %(count)s"),  # renamed
            ("ได้ {n} เครดิต", "Credits earned: %(n)s"),  # wrong style
            ("คุณได้รับ {amount} เครดิตจาก {name}", "You received {amount} credits"),
            ("กด <a href='/x'>ที่นี่</a>", "Click here"),  # HTML lost
        ],
    )
    def test_a_placeholder_that_differs_fails(self, msgid, msgstr):
        assert self.check(msgid=msgid, msgstr=msgstr)[0].startswith("placeholders differ")

    def test_every_plural_form_is_checked(self):
        entry = {"msgid": "%(n)s รายการ", "msgid_plural": "%(n)s รายการ"}
        assert self.check(**entry, msgstr_plural={0: "%(n)s item", 1: "%(n)s items"}) == []
        assert self.check(**entry, msgstr_plural={0: "%(n)s item", 1: ""})[0].startswith("untranslated")
        assert self.check(**entry, msgstr_plural={0: "%(n)s item", 1: "items"})[0].startswith("placeholders differ")

    def test_a_leading_space_that_joins_two_messages_is_kept(self):
        assert self.check(msgid=" · รอ %(w)s รายการ", msgstr="· waiting: %(w)s")[0].startswith("leading or trailing")
