"""The demo step: the council's admin has a pattern to review, the same after a second run."""

from __future__ import annotations

import pytest

from thamdee.anomalies import selectors
from thamdee.anomalies.models import Anomaly, AnomalyKind
from thamdee.web.demo import anomalies, base, deeds, ledger

pytestmark = pytest.mark.django_db


def test_the_demo_puts_a_slip_before_the_council_admin_once():
    for _ in range(2):
        demo = base.Demo()
        base.run(demo)
        ledger.run(demo)
        deeds._catalogues(demo)  # the deeds step's catalogues, without its year of history (slow, not needed)
        anomalies.run(demo)
    admin = demo.logins["organisation admin / ผู้ดูแลองค์กร"]
    mine = list(selectors.anomaly_list_for_reviewer(viewer=admin))
    assert AnomalyKind.DUPLICATE in {a.kind for a in mine}
    slips = Anomaly.objects.filter(kind=AnomalyKind.DUPLICATE, organisation=demo.orgs["710911:council"])
    assert slips.count() == 1 and slips.get().figures == {"deeds": 2}
