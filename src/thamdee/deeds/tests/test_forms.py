"""The deed-type forms: the choices they offer come from the model, once, and who may verify."""

from __future__ import annotations

import pytest

from thamdee.deeds.forms import DeedTypeEditForm, DeedTypeForm
from thamdee.deeds.models import Evidence, Period, Unit, VerifiedBy

pytestmark = pytest.mark.django_db


def _offered(form, name):  # type: ignore[no-untyped-def]
    return [value for value, _label in form.fields[name].choices]


def test_both_forms_offer_the_models_choices_with_one_blank_period(world, national):
    forms = [
        DeedTypeForm(),
        DeedTypeForm(template=True),
        DeedTypeEditForm(instance=world.care),
        DeedTypeEditForm(instance=national.template),
    ]
    for form in forms:
        assert _offered(form, "unit") == Unit.values
        assert _offered(form, "period") == Period.values == ["", "monthly", "yearly"]
        assert _offered(form, "evidence") == Evidence.values


def test_only_templates_and_copies_of_agency_verified_templates_offer_the_agency(world, national):
    both, organisation_only = VerifiedBy.values, [VerifiedBy.ORGANISATION]
    assert _offered(DeedTypeForm(), "verified_by") == organisation_only
    assert _offered(DeedTypeForm(template=True), "verified_by") == both
    assert _offered(DeedTypeEditForm(instance=world.care), "verified_by") == organisation_only
    assert _offered(DeedTypeEditForm(instance=national.template), "verified_by") == both
    assert _offered(DeedTypeEditForm(instance=national.adopted), "verified_by") == both
    national.template.verified_by = VerifiedBy.ORGANISATION
    national.template.save(update_fields=["verified_by"])
    national.adopted.refresh_from_db()
    assert _offered(DeedTypeEditForm(instance=national.adopted), "verified_by") == organisation_only
