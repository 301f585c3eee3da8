"""Keeping catalogues and national templates: who may change them, what may change, and how a template's
verifier reaches the organisations' copies (services, web pages and the API)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, UserFactory, area
from thamdee.common.errors import NotFoundError
from thamdee.deeds import errors, selectors, services
from thamdee.deeds.models import DeedStatus, DeedType
from thamdee.orgs.models import Membership

from .conftest import report

pytestmark = pytest.mark.django_db


def _new_type(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A new catalogue entry through the API, without its virtues and dimensions."""
    return {
        "organisation": str(world.org.public_id),
        "programme": str(world.programme.public_id),
        "code": "read-aloud",
        "name_th": "อ่านหนังสือให้ฟัง",
        "criterion": "ครั้งละ",
    }


@pytest.fixture
def national_staff(world):
    """Staff of the programme's agency with no area (national), and the same agency's provincial staff."""
    from types import SimpleNamespace

    agency = world.programme.agency
    return SimpleNamespace(
        national=AgencyStaffFactory(agency=agency, scope_area=None).user,
        provincial=AgencyStaffFactory(agency=agency, scope_area=area("71")).user,
    )


class TestServices:
    def test_an_organisation_changes_and_closes_its_own_entries(self, world):
        services.deed_type_update(actor=world.organiser, deed_type=world.lost, criterion="มีพยานสองคน")
        closed = services.deed_type_update(actor=world.organiser, deed_type=world.lost, is_active=False)
        assert (closed.criterion, closed.is_active) == ("มีพยานสองคน", False)
        with pytest.raises(errors.DeedTypeInactiveError):
            report(world, deed_type=world.lost, quantity=1)
        for outsider in (world.member, world.verifier, world.foreign_verifier, world.staff):
            with pytest.raises(NotFoundError):
                services.deed_type_update(actor=outsider, deed_type=world.care, criterion="x")

    def test_unit_period_and_sensitivity_stay_once_deeds_were_recorded(self, world):
        fresh = services.deed_type_update(actor=world.organiser, deed_type=world.lost, unit="hour")
        assert fresh.unit == "hour"  # no deed yet: free to change
        report(world)  # one deed of world.care, in hours
        for change in ({"unit": "occurrence"}, {"unit": "period", "period": "monthly"}, {"is_sensitive": True}):
            with pytest.raises(errors.DeedTypeInUseError):
                services.deed_type_update(
                    actor=world.organiser, deed_type=DeedType.objects.get(pk=world.care.pk), **change
                )
        world.care.refresh_from_db()
        assert (world.care.unit, world.care.is_sensitive) == ("hour", False)
        # the same value again is no change
        services.deed_type_update(actor=world.organiser, deed_type=world.care, unit="hour", name_th="ดูแลผู้สูงวัย")

    def test_templates_are_kept_by_national_staff_of_the_programmes_agency(self, world, national, national_staff):
        changed = services.deed_type_update(actor=national_staff.national, deed_type=national.template, criterion="ใหม่")
        assert changed.criterion == "ใหม่"
        national.adopted.refresh_from_db()
        assert national.adopted.criterion != "ใหม่"  # copies keep the wording they adopted
        for outsider in (national_staff.provincial, national.verifier, world.organiser, world.staff):
            with pytest.raises(NotFoundError):
                services.deed_template_update(actor=outsider, template=national.template, criterion="x")
        with pytest.raises(NotFoundError):  # an organisation's entry is no template
            services.deed_template_update(actor=national_staff.national, template=world.care, criterion="x")

    def test_who_verifies_a_template_reaches_every_copy_and_the_deeds_waiting(self, world, national, national_staff):
        waiting = report(world, deed_type=national.adopted)
        assert waiting in selectors.deed_queue_for_agency(viewer=national.verifier)
        services.deed_template_update(
            actor=national_staff.national, template=national.template, verified_by="organisation"
        )
        national.adopted.refresh_from_db()
        assert national.adopted.verified_by == "organisation"
        assert waiting not in selectors.deed_queue_for_agency(viewer=national.verifier)
        # back with the organisation's own verifiers
        assert services.deed_verify(actor=world.verifier, deed=waiting).status == DeedStatus.VERIFIED
        services.deed_template_update(actor=national_staff.national, template=national.template, verified_by="agency")
        national.adopted.refresh_from_db()
        assert national.adopted.agency_verifies
        later = report(world, deed_type=national.adopted, days_ago=2)
        with pytest.raises(NotFoundError):
            services.deed_verify(actor=world.verifier, deed=later)
        assert services.deed_verify(actor=national.verifier, deed=later).status == DeedStatus.VERIFIED

    def test_a_code_is_taken_once_per_catalogue_and_once_per_programme_among_templates(
        self, world, national, national_staff
    ):
        def add(actor, organisation, code):  # type: ignore[no-untyped-def]
            return services.deed_type_create(
                actor=actor,
                programme=world.programme,
                organisation=organisation,
                code=code,
                name_th="x",
                criterion="x",
                virtues=["volunteering"],
                dimensions=["health"],
            )

        before = DeedType.objects.count()
        with pytest.raises(errors.DeedTypeCodeTakenError) as taken:
            add(world.organiser, world.org, world.care.code)
        assert (taken.value.code, taken.value.status) == ("deed_type_code_taken", 400)
        assert taken.value.message_th == "รหัสนี้มีอยู่แล้วในรายการขององค์กร"
        assert taken.value.message_en == "This code is already in the organisation's catalogue"
        with pytest.raises(errors.DeedTypeCodeTakenError) as taken:
            add(national_staff.national, None, national.template.code)
        assert taken.value.message_th == "รหัสนี้มีอยู่แล้วในแม่แบบของโครงการ"
        assert taken.value.message_en == "This code is already used by one of the programme's templates"
        assert DeedType.objects.count() == before
        # permission comes first: an outsider learns nothing about the codes in use
        with pytest.raises(NotFoundError):
            add(world.foreign_verifier, world.org, world.care.code)
        # the same code elsewhere is free: another organisation's catalogue, the programme's templates
        other_admin = UserFactory()
        Membership.objects.create(user=other_admin, organisation=world.other, is_admin=True)
        assert add(other_admin, world.other, world.care.code).organisation == world.other
        assert add(national_staff.national, None, world.care.code).is_template

    def test_a_code_taken_at_the_same_moment_is_refused_with_the_same_error(self, world, monkeypatch):
        """Given a concurrent addition that takes the code between the check and the insert (the first check
        skipped), when the insert hits the unique constraint, then the refusal is the coded error, not a crash."""
        check = services._check_code_free
        calls = []

        def late(**kwargs):  # type: ignore[no-untyped-def]
            calls.append(kwargs)
            if len(calls) > 1:
                check(**kwargs)

        monkeypatch.setattr(services, "_check_code_free", late)
        with pytest.raises(errors.DeedTypeCodeTakenError):
            services.deed_type_create(
                actor=world.organiser,
                programme=world.programme,
                organisation=world.org,
                code=world.care.code,
                name_th="x",
                criterion="x",
                virtues=["volunteering"],
                dimensions=["health"],
            )
        assert len(calls) == 2
        assert DeedType.objects.filter(organisation=world.org, code=world.care.code).count() == 1

    def test_a_type_counts_under_a_known_virtue_and_dimension_or_is_not_added(self, world):
        """A type of no virtue (or an unknown or closed one) would count under none of the dashboards' virtues: the
        total less the virtues would then give its deeds' figures, however few people did them."""
        from thamdee.deeds.models import Virtue

        def add(virtues: list[str], dimensions: list[str]) -> DeedType:
            return services.deed_type_create(
                actor=world.organiser,
                programme=world.programme,
                organisation=world.org,
                code="read-aloud",
                name_th="อ่านหนังสือให้ฟัง",
                criterion="ครั้งละ",
                virtues=virtues,
                dimensions=dimensions,
            )

        Virtue.objects.filter(code="honesty").update(is_active=False)
        before = DeedType.objects.count()
        for virtues, dimensions, unknown in (
            ([], ["health"], "—"),
            (["volunteering"], [], "—"),
            (["volunteerng"], ["health"], "volunteerng"),
            (["honesty"], ["health"], "honesty"),
            (["volunteering"], ["health", "helth"], "helth"),
        ):
            with pytest.raises(errors.DeedTypeSplitError) as refused:
                add(virtues, dimensions)
            assert refused.value.code == "deed_type_virtue_and_dimension" and refused.value.status == 400
            assert unknown in refused.value.message_en and unknown in refused.value.message_th
        assert DeedType.objects.count() == before
        assert [v.code for v in add(["volunteering"], ["society"]).virtues.all()] == ["volunteering"]

    def test_an_update_checks_before_it_changes_anything(self, world, national, national_staff):
        """Both updates share one body: a refusal leaves the instance given as it was, and neither changes a field
        outside the catalogue's (the code among them)."""
        report(world)
        care = DeedType.objects.get(pk=world.care.pk)
        with pytest.raises(errors.DeedTypeInUseError):
            services.deed_type_update(actor=world.organiser, deed_type=care, unit="occurrence", name_th="ใหม่")
        assert (care.unit, care.name_th) == ("hour", "ดูแลผู้สูงอายุ")
        with pytest.raises(errors.AgencyVerifiesTemplatesOnlyError):
            services.deed_type_update(actor=world.organiser, deed_type=care, verified_by="agency", name_th="ใหม่")
        assert care.name_th == "ดูแลผู้สูงอายุ"
        for update, kwargs in (
            (services.deed_type_update, {"actor": world.organiser, "deed_type": world.lost}),
            (services.deed_template_update, {"actor": national_staff.national, "template": national.template}),
        ):
            with pytest.raises(ValueError, match="code"):
                update(**kwargs, code="new-code")
        world.lost.refresh_from_db()
        national.template.refresh_from_db()
        assert (world.lost.code, national.template.code) == ("return-lost", "plant-trees")


class TestPages:
    def test_an_organiser_edits_an_entry_from_the_catalogue(self, client, world):
        client.force_login(world.organiser)
        catalogue = client.get(reverse("deeds:catalogue", args=[world.org.public_id])).content.decode()
        edit = reverse("deeds:deed_type_edit", args=[world.lost.public_id])
        assert edit in catalogue
        page = client.get(edit)
        assert page.status_code == 200
        data = {f"t-{k}": v for k, v in page.context["form"].initial.items() if v not in (None, False)}
        data.update({"t-criterion": "มีพยานสองคน", "t-is_active": ""})
        data.pop("t-is_active")  # unticked: the entry is closed
        response = client.post(edit, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        world.lost.refresh_from_db()
        assert (world.lost.criterion, world.lost.is_active) == ("มีพยานสองคน", False)
        client.force_login(world.member)
        assert client.get(edit).status_code == 404

    def test_a_refused_change_says_why_and_keeps_the_entry(self, client, world):
        report(world)
        client.force_login(world.organiser)
        edit = reverse("deeds:deed_type_edit", args=[world.care.public_id])
        data = {f"t-{k}": v for k, v in client.get(edit).context["form"].initial.items() if v not in (None, False)}
        data.update({"t-unit": "occurrence", "t-is_active": "on", "t-name_th": "ชื่อใหม่"})
        response = client.post(edit, data)
        assert response.status_code == 400
        assert str(errors.DeedTypeInUseError.message)[:20] in response.content.decode()
        world.care.refresh_from_db()
        assert (world.care.unit, world.care.name_th) == ("hour", "ดูแลผู้สูงอายุ")
        # an organisation's own entry offers no "verified by the agency"
        assert 'value="agency"' not in response.content.decode()

    def test_national_staff_add_and_change_templates(self, client, world, national, national_staff):
        client.force_login(national_staff.national)
        page = client.get(reverse("deeds:templates"))
        assert page.status_code == 200
        assert reverse("deeds:deed_type_edit", args=[national.template.public_id]) in page.content.decode()
        response = client.post(
            reverse("deeds:templates"),
            {
                "programme": str(world.programme.public_id),
                "t-code": "check-dam",
                "t-name_th": "สร้างฝายชะลอน้ำ",
                "t-criterion": "มีภาพก่อนและหลัง",
                "t-virtues": ["volunteering"],
                "t-dimensions": ["environment"],
                "t-unit": "occurrence",
                "t-evidence": "photo",
                "t-verified_by": "agency",
                "t-max_backdate_days": "30",
            },
        )
        assert response.status_code == 302
        made = DeedType.objects.get(code="check-dam", organisation__isnull=True)
        assert (made.programme, made.verified_by) == (world.programme, "agency")
        # the same code twice is refused with a reason, not an error page
        again = client.post(
            reverse("deeds:templates"),
            {
                "programme": str(world.programme.public_id),
                "t-code": "check-dam",
                "t-name_th": "x",
                "t-criterion": "x",
                "t-virtues": ["volunteering"],
                "t-dimensions": ["environment"],
                "t-unit": "occurrence",
                "t-evidence": "none",
                "t-verified_by": "organisation",
                "t-max_backdate_days": "30",
            },
        )
        assert again.status_code == 400
        assert again.context["form"].errors["code"] == ["รหัสนี้มีอยู่แล้วในแม่แบบของโครงการ"]
        assert DeedType.objects.filter(code="check-dam").count() == 1
        # provincial staff read the templates but change nothing
        client.force_login(national_staff.provincial)
        page = client.get(reverse("deeds:templates"))
        assert page.status_code == 200 and 'data-testid="edit-' not in page.content.decode()
        assert client.get(reverse("deeds:deed_type_edit", args=[made.public_id])).status_code == 404
        client.force_login(world.organiser)
        assert client.get(reverse("deeds:templates")).status_code == 404

    def test_a_code_already_in_the_catalogue_is_shown_on_the_code_field_and_nothing_is_added(self, client, world):
        client.force_login(world.organiser)
        data = {
            "t-code": world.care.code,
            "t-name_th": "ดูแลผู้สูงอายุอีกแบบ",
            "t-criterion": "ครั้งละ",
            "t-virtues": ["volunteering"],
            "t-dimensions": ["health"],
            "t-unit": "occurrence",
            "t-evidence": "none",
            "t-verified_by": "organisation",
            "t-max_backdate_days": "30",
        }
        response = client.post(reverse("deeds:catalogue", args=[world.org.public_id]), data)
        assert response.status_code == 400
        assert response.context["form"].errors["code"] == ["รหัสนี้มีอยู่แล้วในรายการขององค์กร"]
        assert "รหัสนี้มีอยู่แล้วในรายการขององค์กร" in response.content.decode()
        assert not DeedType.objects.filter(name_th="ดูแลผู้สูงอายุอีกแบบ").exists()
        assert DeedType.objects.filter(organisation=world.org, code=world.care.code).count() == 1

    def test_the_main_virtue_and_dimension_are_chosen_among_those_ticked(self, client, world):
        """The dashboards count a type's deeds under one virtue and one dimension: named on the form, or by default
        the first ticked in the catalogue's order; one not ticked is refused on its field, nothing added."""
        client.force_login(world.organiser)
        url = reverse("deeds:catalogue", args=[world.org.public_id])
        data = {
            "t-code": "read-aloud",
            "t-name_th": "อ่านหนังสือให้ฟัง",
            "t-criterion": "ครั้งละ",
            "t-virtues": ["volunteering", "sufficiency"],
            "t-dimensions": ["society", "health"],
            "t-main_virtue": "honesty",
            "t-unit": "occurrence",
            "t-evidence": "none",
            "t-verified_by": "organisation",
            "t-max_backdate_days": "30",
        }
        refused = client.post(url, data)
        assert refused.status_code == 400 and refused.context["form"].errors["main_virtue"] == ["ต้องเป็นข้อที่เลือกไว้ข้างบน"]
        assert not DeedType.objects.filter(code="read-aloud").exists()
        assert client.post(url, {**data, "t-main_virtue": "volunteering"}).status_code == 302
        added = DeedType.objects.get(organisation=world.org, code="read-aloud")
        assert (added.main_virtue.code, added.main_dimension.code) == ("volunteering", "health")
        assert client.post(url, {**data, "t-code": "read-more", "t-main_virtue": ""}).status_code == 302
        assert DeedType.objects.get(organisation=world.org, code="read-more").main_virtue.code == "sufficiency"

    @pytest.mark.parametrize("refused_post", [False, True])
    def test_the_edit_page_reads_the_type_once(self, client, world, django_assert_num_queries, refused_post):
        """Given an organiser on an entry's edit page, when it is shown (or shown again with a refused change), then
        the entry is read in one query with its organisation, programme and template: session, user, the entry,
        the roles and the unread notices; a refused change adds the form's constraint check and the service's look
        for recorded deeds, each in its savepoint."""
        edit = reverse("deeds:deed_type_edit", args=[world.care.public_id])
        client.force_login(world.organiser)
        data = {f"t-{k}": v for k, v in client.get(edit).context["form"].initial.items() if v not in (None, False)}
        data.update({"t-unit": "occurrence", "t-is_active": "on"})
        if refused_post:
            report(world)
        with django_assert_num_queries(12 if refused_post else 5) as captured:
            response = client.post(edit, data) if refused_post else client.get(edit)
        assert response.status_code == (400 if refused_post else 200)
        reads = [q["sql"] for q in captured.captured_queries if 'FROM "deeds_deedtype"' in q["sql"]]
        assert len(reads) == 1, reads
        assert response.context["deed_type"].unit == "hour"  # the page shows the entry as stored


class TestApi:
    def test_patch_a_catalogue_entry(self, world):
        api = APIClient()
        url = f"/api/v1/deed-types/{world.lost.public_id}/"
        api.force_authenticate(world.member)
        assert api.patch(url, {"criterion": "x"}, format="json").status_code == 404
        api.force_authenticate(world.organiser)
        assert api.get(url).json()["code"] == world.lost.code
        done = api.patch(url, {"criterion": "มีพยานสองคน", "is_active": False}, format="json")
        assert done.status_code == 200 and done.json()["is_active"] is False
        report(world)
        refused = api.patch(f"/api/v1/deed-types/{world.care.public_id}/", {"unit": "occurrence"}, format="json")
        assert refused.status_code == 409 and refused.json()["code"] == "deed_type_in_use"
        local = api.patch(f"/api/v1/deed-types/{world.care.public_id}/", {"verified_by": "agency"}, format="json")
        assert local.status_code == 400 and local.json()["code"] == "agency_verifies_templates_only"

    def test_patch_a_template(self, world, national, national_staff):
        api = APIClient()
        url = f"/api/v1/deed-types/{national.template.public_id}/"
        api.force_authenticate(national_staff.provincial)
        assert api.patch(url, {"verified_by": "organisation"}, format="json").status_code == 404
        api.force_authenticate(national_staff.national)
        assert api.patch(url, {"verified_by": "organisation"}, format="json").json()["verified_by"] == "organisation"
        national.adopted.refresh_from_db()
        assert national.adopted.verified_by == "organisation"

    def test_a_code_in_use_is_a_400_problem_with_its_own_code(self, world, national, national_staff):
        api = APIClient()
        before = DeedType.objects.count()
        body = {
            "organisation": str(world.org.public_id),
            "programme": str(world.programme.public_id),
            "code": world.care.code,
            "name_th": "ดูแลผู้สูงอายุอีกแบบ",
            "criterion": "ครั้งละ",
            "virtues": ["volunteering"],
            "dimensions": ["health"],
        }
        api.force_authenticate(world.organiser)
        taken = api.post("/api/v1/deed-types/", body, format="json")
        assert taken.status_code == 400 and taken["Content-Type"].startswith("application/problem+json")
        problem = taken.json()
        assert problem["code"] == "deed_type_code_taken"
        assert problem["detail_en"] == "This code is already in the organisation's catalogue"
        assert problem["errors"] == {"code": [problem["detail"]]}  # where clients read it before
        api.force_authenticate(national_staff.national)
        template = api.post(
            "/api/v1/deed-types/", {**body, "organisation": None, "code": national.template.code}, format="json"
        )
        assert template.status_code == 400 and template.json()["code"] == "deed_type_code_taken"
        assert template.json()["detail_en"] == "This code is already used by one of the programme's templates"
        assert DeedType.objects.count() == before
        # someone who may not add to the catalogue is not told whether the code is in use
        api.force_authenticate(world.member)
        assert api.post("/api/v1/deed-types/", body, format="json").status_code == 404

    def test_a_type_without_a_virtue_or_dimension_is_a_400_problem(self, world):
        api = APIClient()
        api.force_authenticate(world.organiser)
        body = _new_type(world)
        before = DeedType.objects.count()
        for extra in ({}, {"virtues": [], "dimensions": ["health"]}, {"virtues": ["volunteering"], "dimensions": []}):
            refused = api.post("/api/v1/deed-types/", {**body, **extra}, format="json")
            assert refused.status_code == 400 and refused["Content-Type"].startswith("application/problem+json")
        unknown = api.post(
            "/api/v1/deed-types/", {**body, "virtues": ["volunteerng"], "dimensions": ["health"]}, format="json"
        )
        assert unknown.status_code == 400 and unknown.json()["code"] == "deed_type_virtue_and_dimension"
        assert "volunteerng" in unknown.json()["detail_en"]
        assert DeedType.objects.count() == before

    def test_the_main_virtue_is_named_or_the_first_and_a_copy_keeps_its_templates(self, world, national_staff):
        api = APIClient()
        api.force_authenticate(world.organiser)
        body = {**_new_type(world), "virtues": ["volunteering", "sufficiency"], "dimensions": ["health"]}
        refused = api.post("/api/v1/deed-types/", {**body, "main_virtue": "honesty"}, format="json")
        assert refused.status_code == 400 and refused.json()["code"] == "deed_type_main_not_chosen"
        assert "honesty" in refused.json()["detail_en"]
        added = api.post("/api/v1/deed-types/", body, format="json").json()
        assert (added["main_virtue"], added["main_dimension"]) == ("sufficiency", "health")
        api.force_authenticate(national_staff.national)
        template = api.post(
            "/api/v1/deed-types/",
            {**body, "organisation": None, "code": "tpl", "main_virtue": "volunteering"},
            format="json",
        ).json()
        assert template["main_virtue"] == "volunteering"
        copy = services.deed_type_adopt(
            actor=world.organiser, template=DeedType.objects.get(public_id=template["id"]), organisation=world.org
        )
        assert copy.main_virtue.code == "volunteering" and copy.main_dimension.code == "health"

    def test_a_template_may_be_created_with_the_organisation_left_out(self, world, national_staff):
        # The organisation is optional ("omit for a national template"): leaving the key out is a template, as null is
        api = APIClient()
        api.force_authenticate(national_staff.national)
        body = {
            "programme": str(world.programme.public_id),
            "code": "plant-mangrove",
            "name_th": "ปลูกป่าชายเลน",
            "virtues": ["volunteering"],
            "dimensions": ["environment"],
        }
        made = api.post("/api/v1/deed-types/", {**body, "criterion": "ต้นละ"}, format="json")
        assert made.status_code == 201, made.content
        assert DeedType.objects.get(code="plant-mangrove").organisation_id is None
