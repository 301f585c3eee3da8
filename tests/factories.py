"""Test data builders shared by every app's tests."""

from __future__ import annotations

import random

import factory
import geothai

from thamdee.areas.models import Area, AreaLevel
from thamdee.orgs.models import AgencyStaff, Membership, Network, NetworkKind, Organisation, OrgKind
from thamdee.people.models import User


def national_id(seed: int | None = None, first: int | None = None) -> str:
    """A valid 13-digit national ID (mod-11 check digit)."""
    rng = random.Random(seed)
    digits = [first if first is not None else rng.randint(1, 8)] + [rng.randint(0, 9) for _ in range(11)]
    total = sum(d * (13 - i) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((11 - total % 11) % 10)


def area(code: str) -> Area:
    """The area with this DOPA code and its ancestors, created from geothai if missing (villages: หมู่ 1-99)."""
    existing = Area.objects.filter(code=code).first()
    if existing:
        return existing
    if len(code) == 2:
        p = geothai.province(code)
        assert p is not None, code
        return Area.objects.create(
            code=code, level=AreaLevel.PROVINCE, name_th=p.name_th, name_en=p.name_en, province_code=code
        )
    if len(code) == 4:
        d = geothai.district(code)
        assert d is not None, code
        return Area.objects.create(
            code=code,
            level=AreaLevel.DISTRICT,
            name_th=d.name_th,
            name_en=d.name_en,
            parent=area(code[:2]),
            province_code=code[:2],
            district_code=code,
        )
    if len(code) == 6:
        s = geothai.subdistrict(code)
        assert s is not None, code
        return Area.objects.create(
            code=code,
            level=AreaLevel.SUBDISTRICT,
            name_th=s.name_th,
            name_en=s.name_en,
            parent=area(code[:4]),
            province_code=code[:2],
            district_code=code[:4],
            subdistrict_code=code,
            postal_codes=" ".join(s.postal_codes),
        )
    parent = area(code[:6])
    return Area.objects.create(
        code=code,
        level=AreaLevel.VILLAGE,
        name_th=f"บ้านทดสอบ {code[6:]}",
        parent=parent,
        province_code=code[:2],
        district_code=code[:4],
        subdistrict_code=code[:6],
        village_no=int(code[6:]),
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    prefix = "นาย"
    first_name = factory.Iterator(["สมชาย", "สมหญิง", "มานี", "ปิติ", "ชูใจ", "วีระ", "ดวงใจ", "บุญมี"])
    last_name = factory.Iterator(["ใจดี", "รักถิ่น", "มีสุข", "ทำดี", "ศรีสุข"])
    mobile = factory.Sequence(lambda n: f"08{n:08d}")
    birth_year = 1980
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-42")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name_th = factory.Sequence(lambda n: f"กลุ่มออมทรัพย์ทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Test savings group {n}")
    kind = OrgKind.SAVINGS_GROUP
    area = factory.LazyFunction(lambda: area("710101"))


class AgencyFactory(OrganisationFactory):
    name_th = factory.Sequence(lambda n: f"หน่วยงานทดสอบ {n}")
    kind = OrgKind.AGENCY
    area = factory.LazyFunction(lambda: area("10"))


class PartnerFactory(OrganisationFactory):
    name_th = factory.Sequence(lambda n: f"ร้านค้าภาคี {n}")
    kind = OrgKind.PARTNER


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class AgencyStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyStaff

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    scope_area = None


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name_th = factory.Sequence(lambda n: f"เครือข่ายทดสอบ {n}")
    kind = NetworkKind.ISSUE
    issue = "สุขภาพ"


def member_of(org: Organisation, **roles: bool) -> User:
    """A new person who is a member of ``org`` with the given roles (is_organiser=True, ...)."""
    return MembershipFactory(organisation=org, **roles).user


def pdf_file(pages: int = 1, *, script: bool = False, attachment: bool = False, password: str | None = None) -> bytes:
    """A small PDF written by pypdf: blank pages, and on request a script run on opening, a file carried inside
    it, or a password."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if script:
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1);")}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    if attachment:
        writer.add_attachment("note.txt", b"carried inside")
    if password is not None:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
