"""A rulebook's next version takes effect tomorrow at the earliest, so none reprices a deed done earlier the same
day. An organisation's local rulebook is read together with the programme's for every deed of the organisation's
catalogue, so its first version waits for tomorrow too: it never reprices this morning's deed."""

from __future__ import annotations

import pytest

from thamdee.creditrules import selectors
from thamdee.creditrules import services as rules
from thamdee.deeds import services as deeds

pytestmark = pytest.mark.django_db


def test_a_local_rulebooks_first_version_does_not_reprice_a_deed_done_earlier_today(world):
    # Given a deed done and reported this morning under the programme's rate in force (5 an hour, 2 hours = 10)
    deed = deeds.deed_report(actor=world.member, deed_type=world.care, done_on=world.today, hours=2)
    before, _ids = deeds.compute(deed)
    assert before.credits == 10
    # When the organisation publishes the first version of its own local rulebook later the same day, at the
    # earliest day the service offers for it (today)
    local = rules.rulebook_get_or_create(programme=world.programme, organisation=world.org)
    cheaper = {"schema": 1, "rates": [{"id": "care-local", "deed_type": "elder-care", "per": "hour", "credits": 1}]}
    draft = rules.rulebook_version_draft(actor=world.admin, rulebook=local, rules=cheaper)
    earliest = selectors.earliest_effective_from(local)
    rules.rulebook_version_publish(actor=world.admin, version=draft, effective_from=earliest)
    # Then this morning's deed is still credited under the rules in force when it was done
    verified = deeds.deed_verify(actor=world.verifier, deed=deed)
    assert verified.credits == 10, f"a deed done this morning was repriced by a rule published afterwards ({earliest})"
