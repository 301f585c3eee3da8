"""The demo step: the Nong Sarai council's confirmed result of last year and this year's draft for its admin to
finish, two results waiting in the Kanchanaburi office's queue, and Kanchanaburi's own confirmed result; the same
after a second run."""

from __future__ import annotations

import pytest
from django.urls import reverse

from thamdee.assessments import selectors
from thamdee.assessments.models import Assessment, AssessmentEvent, AssessmentStatus, EvidenceFile, Level, Score
from thamdee.common.thaitime import current_fiscal_year
from thamdee.inbox.models import Notification
from thamdee.orgs.models import Membership
from thamdee.people.models import User
from thamdee.web.demo import assessments, base

pytestmark = pytest.mark.django_db


def snapshot() -> tuple:
    return (
        sorted(
            Assessment.objects.values_list(
                "public_id", "status", "level", "confirmed_level", "submitted_by", "reviewed_by", "updated_at"
            )
        ),
        sorted(Score.objects.values_list("assessment__public_id", "indicator__number", "score", "evidence")),
        sorted(EvidenceFile.objects.values_list("assessment__public_id", "indicator__number", "name", "sha256")),
        sorted(Notification.objects.filter(kind__startswith="assessment_").values_list("user", "kind", "url")),
        sorted(Membership.objects.filter(is_admin=True).values_list("user", "organisation")),
    )


def test_the_demo_leaves_an_assessment_in_every_state_once():
    # Given the base step, when the step runs twice
    for attempt in range(2):
        demo = base.Demo()
        base.run(demo)
        assessments.run(demo)
        if attempt == 0:
            first = snapshot()
    # Then the second run changed nothing
    assert snapshot() == first

    year = current_fiscal_year()
    council = demo.orgs["710911:council"]
    org_admin, agency, national = (User.objects.get(username=f"demo-{n}") for n in ("orgadmin", "agency", "national"))
    # The council's last year: confirmed at the level คุณธรรม by the Kanchanaburi office, with evidence
    last = Assessment.objects.get(organisation=council, fiscal_year=year - 1)
    assert (last.status, last.confirmed_level) == (AssessmentStatus.CONFIRMED, Level.MORAL)
    assert (last.submitted_by, last.reviewed_by) == (org_admin, agency)
    assert Score.objects.filter(assessment=last).exclude(evidence="").count() >= 8
    # and its files: a photo of the day and two PDF documents, recorded with the submission
    files = list(EvidenceFile.objects.filter(assessment=last).order_by("indicator__number"))
    assert [(f.indicator.number, f.content_type) for f in files] == [
        (1, "image/jpeg"),
        (3, "application/pdf"),
        (5, "application/pdf"),
    ]
    submitted = AssessmentEvent.objects.get(assessment=last, action="submitted")
    assert submitted.file_count == 3
    # and its certificate, confirmed for the Kanchanaburi office's agency
    assert last.has_certificate and last.confirmed_by_agency == agency.agency_posts.get().agency
    # This year: a draft with a few activities scored, which its admin may finish and submit
    draft = Assessment.objects.get(organisation=council, fiscal_year=year)
    assert draft.status == AssessmentStatus.DRAFT and 0 < draft.scores.count() < 9
    assert dict(selectors.organisations_to_assess(viewer=org_admin, fiscal_year=year))[council] == draft
    # Two organisations of Kanchanaburi wait for the office, each submitted by an admin of its own
    queue, _total = selectors.review_queue(viewer=agency)
    assert [a.organisation for a in queue] == [demo.orgs["710901:council"], demo.orgs["710901:savings"]]
    for waiting in queue:
        assert waiting.fiscal_year == year and waiting.submitted_by != org_admin
        assert Membership.objects.filter(
            user=waiting.submitted_by, organisation=waiting.organisation, is_admin=True
        ).exists()
    told = set(Notification.objects.filter(user=agency, kind="assessment_submitted").values_list("url", flat=True))
    assert {reverse("assessments:detail", args=[a.public_id]) for a in queue} < told  # and last year's, confirmed
    # Kanchanaburi's own result of last year: submitted by the office, confirmed by national staff
    province = Assessment.objects.get(province__code="71", fiscal_year=year - 1)
    assert (province.status, province.confirmed_level) == (AssessmentStatus.CONFIRMED, Level.MORAL)
    assert (province.submitted_by, province.reviewed_by) == (agency, national)
    # Both confirmed results end signed, each by the agency it was confirmed for (read through the reverse
    # relation: this app imports nothing of recognition)
    for result in (last, province):
        [credential] = Assessment.objects.get(pk=result.pk).credentials.select_related("issuer")
        assert credential.issuer.organisation_id == result.confirmed_by_agency_id and credential.revoked_at is None
    # Last year's results by area: one organisation at คุณธรรม in Kanchanaburi, and the province's own result
    [row] = selectors.results_by_area(viewer=national, fiscal_year=year - 1)
    assert (row.area.code, row.counts, row.waiting, row.province) == ("71", {Level.MORAL: 1}, 0, province)
