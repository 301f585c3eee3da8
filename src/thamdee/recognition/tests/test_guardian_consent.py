"""Consent to publish an honour follows the one rule for a guardian's consent (``people.services``): while the
person may be under 10, a guardian is named."""

from __future__ import annotations

import pytest

from thamdee.recognition import errors, services
from thamdee.recognition.models import ConsentState, HonourConsentEvent

from .conftest import select_nominee

pytestmark = pytest.mark.django_db


def consent(w, honour, **kwargs):  # type: ignore[no-untyped-def]
    return services.honour_consent(
        actor=w.member, honour=honour, show_name=True, show_photo=False, show_story=False, **kwargs
    )


@pytest.mark.parametrize(
    ("years_ago", "prefix"),
    [(10, "เด็กหญิง"), (10, "นาย"), (None, "เด็กชาย"), (None, "เด็กหญิง")],
    ids=["computed-10-may-be-9", "computed-10-any-prefix", "no-birth-year-boy", "no-birth-year-girl"],
)
def test_a_guardian_is_named_while_the_holder_may_be_under_10(exemplar, years_ago, prefix):
    w = exemplar
    honour = select_nominee(w)
    w.member.birth_year = w.today.year - years_ago if years_ago is not None else None
    w.member.prefix = prefix
    w.member.save(update_fields=["birth_year", "prefix"])
    with pytest.raises(errors.GuardianConsentRequiredError):
        consent(w, honour)
    honour.refresh_from_db()
    assert honour.consent != ConsentState.CONSENTED
    consent(w, honour, guardian_name="นางแม่ (มารดา)")
    assert HonourConsentEvent.objects.get(honour=honour).guardian_name == "นางแม่ (มารดา)"


@pytest.mark.parametrize(("years_ago", "prefix"), [(11, "เด็กชาย"), (None, "นาง"), (None, "")])
def test_an_adult_or_an_unknown_age_without_a_childs_prefix_consents_alone(exemplar, years_ago, prefix):
    w = exemplar
    honour = select_nominee(w)
    w.member.birth_year = w.today.year - years_ago if years_ago is not None else None
    w.member.prefix = prefix
    w.member.save(update_fields=["birth_year", "prefix"])
    assert consent(w, honour).consent == ConsentState.CONSENTED
