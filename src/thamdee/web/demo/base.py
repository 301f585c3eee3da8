"""Step 1: areas, the three agencies, pilot organisations and networks, people and one login per role."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from thamdee.areas.models import Area, AreaLevel
from thamdee.areas.services import areas_load
from thamdee.orgs.models import (
    AgencyStaff,
    Membership,
    Network,
    NetworkKind,
    NetworkMembership,
    Organisation,
    OrgKind,
)
from thamdee.people.models import NamePrefix, User
from thamdee.web.demo.names import FAMILY, GIVEN_FEMALE, GIVEN_MALE, VILLAGES

DEMO_PASSWORD = "thamdee-demo-2569"

# The pilot: three target provinces, two subdistricts each. Nong Sarai (Kanchanaburi) runs the goodness bank
# on which the Moral Center modelled the scheme.
PILOT = {
    "71": {"subdistricts": ["710911", "710901"], "label": "กาญจนบุรี"},
    "40": {"subdistricts": ["402401", "400114"], "label": "ขอนแก่น"},
    "55": {"subdistricts": ["550501", "550504"], "label": "น่าน"},
}
AGENCIES = [
    ("ศูนย์คุณธรรม (องค์การมหาชน)", "Moral Center", "ศูนย์คุณธรรม", "10"),
    ("สำนักงานคณะกรรมการสุขภาพแห่งชาติ", "National Health Commission Office", "สช.", "12"),
    ("สถาบันพัฒนาองค์กรชุมชน (องค์การมหาชน)", "Community Organizations Development Institute", "พอช.", "10"),
]


@dataclass
class Demo:
    """What the steps share: the key objects, found again by natural keys on a second run."""

    admin: User | None = None
    agencies: dict[str, Organisation] = field(default_factory=dict)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    members: dict[str, list[User]] = field(default_factory=dict)  # org key -> members
    logins: dict[str, User] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(2567))


_HASH: list[str] = []


def _password_hash() -> str:
    """Hash the shared demo password once: hashing it for each of ~150 people would take a minute."""
    if not _HASH:
        _HASH.append(make_password(DEMO_PASSWORD))
    return _HASH[0]


def _user(
    username: str,
    first: str,
    last: str,
    prefix: str,
    mobile: str | None,
    birth_year: int,
    home: Area | None,
    *,
    superuser: bool = False,
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            prefix=prefix,
            mobile=mobile,
            birth_year=birth_year,
            home_area=home,
            is_superuser=superuser,
            is_staff=superuser,
        )
        user.password = _password_hash()
        user.save()
    return user


def _org(
    key: str, demo: Demo, *, name_th: str, name_en: str, kind: str, area: Area, description: str = ""
) -> Organisation:
    org = Organisation.objects.filter(name_th=name_th, area=area).first()
    if org is None:
        org = Organisation.objects.create(
            name_th=name_th, name_en=name_en, kind=kind, area=area, description=description
        )
    demo.orgs[key] = org
    return org


def _member(user: User, org: Organisation, **roles: bool) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, organisation=org, defaults=roles)
    if not created and any(getattr(membership, k) != v for k, v in roles.items()):
        for k, v in roles.items():
            setattr(membership, k, v)
        membership.save()
    return membership


def _villages(subdistrict: Area, rng: random.Random) -> list[Area]:
    villages = []
    for number in range(1, 7):
        code = f"{subdistrict.code}{number:02d}"
        village = Area.objects.filter(code=code).first()
        if village is None:
            village = Area.objects.create(
                code=code,
                level=AreaLevel.VILLAGE,
                name_th=VILLAGES[(number + int(subdistrict.code)) % 8],
                parent=subdistrict,
                province_code=subdistrict.province_code,
                district_code=subdistrict.district_code,
                subdistrict_code=subdistrict.code,
                postal_codes=subdistrict.postal_codes,
                village_no=number,
            )
        villages.append(village)
    return villages


@transaction.atomic
def run(demo: Demo) -> None:
    areas_load()
    demo.admin = _user("demo-admin", "ผู้ดูแล", "ระบบ", "", None, 1975, None, superuser=True)
    demo.logins["site admin / ผู้ดูแลระบบ"] = demo.admin

    for name_th, name_en, short, home_code in AGENCIES:
        agency = Organisation.objects.filter(name_th=name_th, kind=OrgKind.AGENCY).first()
        if agency is None:
            agency = Organisation.objects.create(
                name_th=name_th,
                name_en=name_en,
                short_name=short,
                kind=OrgKind.AGENCY,
                area=Area.objects.get(code=home_code),
            )
        demo.agencies[short] = agency

    rng = demo.rng
    mobile_seq = 810001000
    for province_code, spec in PILOT.items():
        province = Area.objects.get(code=province_code)
        first_sub = Area.objects.get(code=spec["subdistricts"][0])
        school = _org(
            f"{province_code}:school",
            demo,
            name_th=f"โรงเรียนบ้าน{first_sub.name_th}",
            name_en=f"Ban {first_sub.name_en} School",
            kind=OrgKind.SCHOOL,
            area=first_sub,
        )
        temple = _org(
            f"{province_code}:temple",
            demo,
            name_th=f"วัด{first_sub.name_th}",
            name_en=f"Wat {first_sub.name_en}",
            kind=OrgKind.RELIGIOUS_PLACE,
            area=first_sub,
        )
        charter = _org(
            f"{province_code}:charter",
            demo,
            name_th=f"คณะกรรมการธรรมนูญสุขภาพตำบล{first_sub.name_th}",
            name_en=f"{first_sub.name_en} Health Charter Committee",
            kind=OrgKind.HEALTH_CHARTER,
            area=first_sub,
        )
        shop = _org(
            f"{province_code}:shop",
            demo,
            name_th=f"ร้านค้าชุมชน{first_sub.name_th}",
            name_en=f"{first_sub.name_en} Community Shop",
            kind=OrgKind.PARTNER,
            area=first_sub,
            description="ร้านค้าชุมชนที่ร่วมมอบสิทธิประโยชน์ให้สมาชิกที่ทำความดี",
        )
        network = Network.objects.filter(name_th=f"เครือข่ายสภาองค์กรชุมชนจังหวัด{province.name_th}").first()
        if network is None:
            network = Network.objects.create(
                name_th=f"เครือข่ายสภาองค์กรชุมชนจังหวัด{province.name_th}",
                name_en=f"{province.name_en} Community Council Network",
                kind=NetworkKind.AREA,
                area=province,
            )
        for org in (school, temple, charter, shop):
            NetworkMembership.objects.get_or_create(network=network, organisation=org)

        for sub_code in spec["subdistricts"]:
            sub = Area.objects.get(code=sub_code)
            villages = _villages(sub, rng)
            council = _org(
                f"{sub_code}:council",
                demo,
                name_th=f"สภาองค์กรชุมชนตำบล{sub.name_th}",
                name_en=f"{sub.name_en} Subdistrict Community Organisation Council",
                kind=OrgKind.COUNCIL,
                area=sub,
            )
            savings = _org(
                f"{sub_code}:savings",
                demo,
                name_th=f"กลุ่มออมทรัพย์เพื่อการผลิตตำบล{sub.name_th}",
                name_en=f"{sub.name_en} Savings Group",
                kind=OrgKind.SAVINGS_GROUP,
                area=sub,
                description="ธนาคารความดี: ออมอย่างน้อยเดือนละ 20 บาท ลดรายจ่ายฟุ่มเฟือย รักษาศีล 5",
            )
            fund = _org(
                f"{sub_code}:fund",
                demo,
                name_th=f"กองทุนสวัสดิการชุมชนตำบล{sub.name_th}",
                name_en=f"{sub.name_en} Community Welfare Fund",
                kind=OrgKind.WELFARE_FUND,
                area=sub,
            )
            for org in (council, savings, fund):
                NetworkMembership.objects.get_or_create(network=network, organisation=org)
            people = []
            for i in range(24):
                female = i % 2 == 0
                given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
                family = rng.choice(FAMILY)
                birth = rng.randint(1950, 2008)
                prefix = (NamePrefix.MRS if birth < 1985 else NamePrefix.MISS) if female else NamePrefix.MR
                username = f"demo-{sub_code}-{i:02d}"
                mobile_seq += 1
                person = _user(username, given, family, prefix, f"0{mobile_seq}", birth, villages[i % 6])
                people.append(person)
                _member(person, council)
                if i % 3 != 2:
                    _member(person, savings)
                if i % 4 == 0:
                    _member(person, fund)
            demo.members[f"{sub_code}:council"] = people
            demo.members[f"{sub_code}:savings"] = [p for i, p in enumerate(people) if i % 3 != 2]
            demo.members[f"{sub_code}:fund"] = [p for i, p in enumerate(people) if i % 4 == 0]

    # One login per role, in Nong Sarai.
    ns = Area.objects.get(code="71091101")
    council = demo.orgs["710911:council"]
    savings = demo.orgs["710911:savings"]
    member = _user("demo-member", "มาลี", "ใจดี", NamePrefix.MRS, "0810000001", 1972, ns)
    _member(member, council)
    _member(member, savings)
    _member(member, demo.orgs["710911:fund"])
    demo.members["710911:council"].insert(0, member)
    demo.members["710911:savings"].insert(0, member)
    demo.logins["member / สมาชิก"] = member

    organiser = _user("demo-organiser", "สมศักดิ์", "บุญมา", NamePrefix.MR, "0810000002", 1968, ns)
    _member(organiser, council, is_organiser=True)
    _member(organiser, savings, is_organiser=True)
    demo.logins["organiser / ผู้ประสานงาน"] = organiser

    verifier = _user("demo-verifier", "วันเพ็ญ", "ศรีสุข", NamePrefix.MRS, "0810000003", 1970, ns)
    _member(verifier, council, is_verifier=True)
    _member(verifier, savings, is_verifier=True)
    demo.logins["verifier / ผู้รับรอง"] = verifier

    org_admin = _user("demo-orgadmin", "ประเสริฐ", "ทองคำ", NamePrefix.MR, "0810000004", 1962, ns)
    _member(org_admin, council, is_admin=True, is_organiser=True, is_verifier=True)
    _member(org_admin, savings, is_admin=True, is_organiser=True, is_verifier=True)
    _member(org_admin, demo.orgs["710911:fund"], is_admin=True, is_organiser=True)
    demo.logins["organisation admin / ผู้ดูแลองค์กร"] = org_admin

    province_staff = _user("demo-agency", "กาญจนา", "แก้วมณี", NamePrefix.MISS, "0810000005", 1985, None)
    AgencyStaff.objects.get_or_create(
        user=province_staff,
        agency=demo.agencies["ศูนย์คุณธรรม"],
        defaults={"scope_area": Area.objects.get(code="71"), "is_verifier": True},
    )
    demo.logins["agency staff, Kanchanaburi / เจ้าหน้าที่หน่วยงาน จ.กาญจนบุรี"] = province_staff

    national_staff = _user("demo-national", "อนันต์", "ชัยมงคล", NamePrefix.MR, "0810000006", 1978, None)
    for agency in demo.agencies.values():
        AgencyStaff.objects.get_or_create(
            user=national_staff, agency=agency, defaults={"scope_area": None, "is_verifier": True}
        )
    demo.logins["agency staff, national / เจ้าหน้าที่หน่วยงาน ระดับประเทศ"] = national_staff

    partner = _user("demo-partner", "สุนันทา", "พรหมมา", NamePrefix.MRS, "0810000007", 1980, ns)
    _member(partner, demo.orgs["71:shop"], is_partner_staff=True, is_admin=True, is_member=False)
    demo.logins["partner staff / พนักงานร้านค้าภาคี"] = partner
    for user in demo.logins.values():
        if hasattr(user, "_thamdee_roles"):
            delattr(user, "_thamdee_roles")
