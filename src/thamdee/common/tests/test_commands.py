"""The commands' arguments and their refusals: a number out of range, a report file that cannot be written, the
demo's logins where no demo is loaded are clear errors, never a traceback and never anything written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    from tests.worlds import build_world

    return build_world()


@pytest.mark.parametrize(
    "args",
    [
        ["vouchers", "expire", "--limit", "-1"],
        ["vouchers", "expire", "--limit", "0"],
        ["anomalies", "detect", "--days", "100000000"],
        ["anomalies", "detect", "--days", "0"],
        ["assessments", "sweep-files", "--hours", "inf"],
        ["assessments", "sweep-files", "--hours", "nan"],
        ["assessments", "sweep-files", "--hours", "1e12"],
        ["deeds", "ingest", "x.csv", "--actor", "x", "--show", "-1"],
        ["generate", "national", "--members", "0"],
        ["generate", "national", "--chunk", "0"],
    ],
)
def test_a_number_out_of_range_is_refused_by_the_arguments(args: list[str]) -> None:
    with pytest.raises(CommandError, match=r"from .* to .*, not"):
        call_command(*args)


def test_an_assessment_sweep_refused_says_why_in_thai_and_english() -> None:
    with pytest.raises(CommandError, match=" / "):
        call_command("assessments", "sweep-files", "--hours", "0.1")


def test_an_errors_report_that_cannot_be_written_is_refused_before_the_ingest(world, tmp_path: Path) -> None:
    path = tmp_path / "deeds.csv"
    path.write_text("ref,member\n1,x\n", encoding="utf-8")
    for target, message in (
        (tmp_path / "missing" / "problems.csv", "cannot write"),
        (tmp_path, "cannot write"),
        (path, "overwrite the file ingested"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("deeds", "ingest", str(path), "--actor", world.admin.username, "--errors", str(target))
    assert path.read_text(encoding="utf-8") == "ref,member\n1,x\n"


def test_the_demo_logins_are_not_a_way_to_load_the_demo() -> None:
    from thamdee.people.models import User

    with pytest.raises(CommandError, match="not loaded"):
        call_command("demo", "--logins")
    assert not User.objects.exists()


def test_recompute_awards_the_badges_an_ingest_did_not(world, django_capture_on_commit_callbacks) -> None:
    from thamdee.deeds import services as deeds
    from thamdee.recognition import services as recognition
    from thamdee.recognition.models import BadgeAward

    recognition.badge_setting_set(actor=world.admin, organisation=world.org, enabled=False)
    deed = deeds.deed_report(
        actor=world.member, deed_type=world.care, done_on=world.today - dt.timedelta(days=1), hours=2
    )
    deeds.deed_verify(actor=world.verifier, deed=deed)
    with django_capture_on_commit_callbacks(execute=False):  # the recompute task queued is not run
        recognition.badge_setting_set(actor=world.admin, organisation=world.org, enabled=True)
    assert not BadgeAward.objects.exists()
    call_command("recognition", "recompute", "--organisation", str(world.org.public_id))
    assert BadgeAward.objects.filter(member=world.member, definition__code="first-deed").exists()
    call_command("recognition", "recompute")  # again: nothing more
    assert BadgeAward.objects.filter(member=world.member).count() == 1
