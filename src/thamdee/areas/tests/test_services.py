import time

import pytest

from tests.factories import AgencyStaffFactory, OrganisationFactory, UserFactory, area, member_of
from thamdee.areas import services
from thamdee.areas.errors import VillageExistsError, VillageNumberError, VillageParentError
from thamdee.areas.models import Area, AreaLevel
from thamdee.common.errors import NotFoundError

pytestmark = pytest.mark.django_db


def test_areas_load_gives_77_provinces_928_districts_7436_subdistricts_quickly_and_idempotently():
    # When the areas are loaded from the offline geothai data
    started = time.perf_counter()
    first = services.areas_load()
    elapsed = time.perf_counter() - started
    # Then the counts are the DOPA counts, loaded well under 30 s
    counts = {lvl: Area.objects.filter(level=lvl).count() for lvl in AreaLevel}
    assert counts[AreaLevel.PROVINCE] == 77
    assert counts[AreaLevel.DISTRICT] == 928
    assert counts[AreaLevel.SUBDISTRICT] == 7436
    assert first.created == 77 + 928 + 7436
    assert elapsed < 30
    # And a second load changes nothing
    second = services.areas_load()
    assert (second.created, second.updated) == (0, 0)
    assert Area.objects.count() == 77 + 928 + 7436


def test_areas_load_repairs_a_changed_name_and_keeps_villages():
    services.areas_load()
    Area.objects.filter(code="84").update(name_en="wrong")
    sub = Area.objects.get(code="840503")
    Area.objects.create(
        code="84050301",
        level=AreaLevel.VILLAGE,
        parent=sub,
        province_code="84",
        district_code="8405",
        subdistrict_code="840503",
        village_no=1,
    )
    result = services.areas_load()
    assert result.updated == 1
    assert Area.objects.get(code="84").name_en == "Surat Thani"
    assert Area.objects.filter(code="84050301").exists()


def test_loaded_areas_nest_by_code_and_carry_postcodes():
    services.areas_load()
    ko_tao = Area.objects.select_related("parent__parent").get(code="840503")
    assert ko_tao.name_th == "เกาะเต่า"
    assert ko_tao.parent.code == "8405"
    assert ko_tao.parent.parent.code == "84"
    assert ko_tao.postal_codes == "84360"
    assert (ko_tao.province_code, ko_tao.district_code) == ("84", "8405")


class TestVillageCreate:
    def test_an_organiser_in_the_subdistrict_adds_a_village_with_the_8_digit_code(self):
        org = OrganisationFactory(area=area("710911"))
        organiser = member_of(org, is_organiser=True)
        village = services.village_create(actor=organiser, subdistrict=area("710911"), number=3, name="บ้านดอนเจดีย์")
        assert village.code == "71091103"
        assert village.village_no == 3
        assert village.parent.code == "710911"
        assert village.display_name() == "หมู่ที่ 3 บ้านดอนเจดีย์"

    def test_agency_staff_over_the_province_may_add_one(self):
        staff = AgencyStaffFactory(scope_area=area("71")).user
        assert services.village_create(actor=staff, subdistrict=area("710911"), number=12).code == "71091112"

    def test_someone_from_elsewhere_gets_not_found(self):
        org = OrganisationFactory(area=area("400114"))
        organiser = member_of(org, is_organiser=True)
        with pytest.raises(NotFoundError):
            services.village_create(actor=organiser, subdistrict=area("710911"), number=1)
        with pytest.raises(NotFoundError):
            services.village_create(actor=UserFactory(), subdistrict=area("710911"), number=1)

    def test_bad_numbers_duplicates_and_wrong_parents_are_refused(self):
        staff = AgencyStaffFactory(scope_area=None).user
        with pytest.raises(VillageNumberError):
            services.village_create(actor=staff, subdistrict=area("710911"), number=0)
        with pytest.raises(VillageNumberError):
            services.village_create(actor=staff, subdistrict=area("710911"), number=100)
        with pytest.raises(VillageParentError):
            services.village_create(actor=staff, subdistrict=area("7109"), number=1)
        services.village_create(actor=staff, subdistrict=area("710911"), number=5)
        with pytest.raises(VillageExistsError):
            services.village_create(actor=staff, subdistrict=area("710911"), number=5)
