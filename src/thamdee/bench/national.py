"""A synthetic national data set: members across Thailand where people live, organisations in every
subdistrict, a national catalogue adopted by each organisation, two fiscal years of verified deeds.

Deterministic for a seed. The fastest correct path: people, organisations, catalogues, memberships, consents and
wallets go in by COPY (per-row triggers off where the role may, their references checked set-based); allotments
are posted through the ledger's batch posting; deeds are written to CSV files, one per group of provinces, and
go in through ``thamdee deeds ingest``, so the ledger and the rollups are kept by the same code as in
production and ``thamdee ledger check`` and ``thamdee reports rebuild`` agree with what is left.

Where members live: a province in proportion to its registered population (``data/province_population.csv``),
then a subdistrict of it. What they do: the mix of ``CATALOGUE`` (its weights), with more deeds from a few
very active people (an exponential number of deeds per member), spread over the two fiscal years.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

DATA = Path(__file__).with_name("data") / "province_population.csv"
PROGRAMME = "national"
NULL = "\\N"  # COPY's text format for a NULL
ORG_NAMESPACE = uuid.UUID("6a1d2b9c-3a51-5d0e-8f1e-7468616d6465")
MAX_AWARD = 120  # no deed of the catalogue earns more (the highest rate, amount and multipliers: 60)

# code, Thai name, English name, unit, period, virtues, dimensions, weight, sensitive, rate (v1), quantities
CATALOGUE: list[tuple[str, str, str, str, str, tuple[str, ...], tuple[str, ...], int, bool, int, tuple[Any, ...]]] = [
    (
        "savings-20",
        "ออมเงินกับกลุ่มออมทรัพย์ เดือนละ 20 บาทขึ้นไป",
        "Save 20 baht a month or more",
        "period",
        "monthly",
        ("sufficiency",),
        ("economy",),
        18,
        False,
        10,
        (),
    ),
    (
        "household-account",
        "จดบัญชีครัวเรือน",
        "Keep a household account book",
        "period",
        "monthly",
        ("sufficiency", "discipline"),
        ("economy",),
        8,
        False,
        8,
        (),
    ),
    (
        "reduce-spending",
        "ลดรายจ่ายฟุ่มเฟือย (ร้อยละ)",
        "Cut extravagant spending (percent)",
        "percent",
        "",
        ("sufficiency",),
        ("economy",),
        3,
        False,
        2,
        (5, 5, 10, 10, 15, 20),
    ),
    (
        "elder-care",
        "ดูแลผู้สูงอายุในชุมชน",
        "Care for an elder in the community",
        "hour",
        "",
        ("volunteering", "gratitude"),
        ("health",),
        12,
        False,
        5,
        (1, 1, 2, 2, 2, 3, 4),
    ),
    (
        "parents-care",
        "ดูแลพ่อแม่",
        "Look after one's parents",
        "occurrence",
        "",
        ("gratitude",),
        ("health", "society"),
        7,
        False,
        5,
        (1,),
    ),
    (
        "community-clean",
        "ทำความสะอาดพื้นที่สาธารณะ",
        "Clean a public place",
        "hour",
        "",
        ("volunteering",),
        ("environment",),
        10,
        False,
        4,
        (1, 2, 2, 3),
    ),
    (
        "waste-sorting",
        "คัดแยกขยะ",
        "Sort household waste",
        "occurrence",
        "",
        ("discipline",),
        ("environment",),
        10,
        False,
        3,
        (1,),
    ),
    (
        "tree-planting",
        "ปลูกต้นไม้",
        "Plant trees",
        "occurrence",
        "",
        ("volunteering",),
        ("environment",),
        4,
        False,
        5,
        (1, 1, 2),
    ),
    (
        "five-precepts",
        "รักษาศีล 5",
        "Keep the five precepts",
        "period",
        "monthly",
        ("discipline",),
        ("society",),
        8,
        False,
        10,
        (),
    ),
    (
        "return-lost",
        "ส่งคืนของหาย",
        "Return lost property",
        "occurrence",
        "",
        ("honesty",),
        ("society",),
        3,
        False,
        20,
        (1,),
    ),
    (
        "tutoring",
        "สอนหนังสือเด็กในชุมชน",
        "Tutor children of the community",
        "hour",
        "",
        ("volunteering",),
        ("society",),
        4,
        False,
        5,
        (1, 2, 2, 3),
    ),
    ("blood-donation", "บริจาคโลหิต", "Give blood", "occurrence", "", ("volunteering",), ("health",), 2, False, 30, (1,)),
    (
        "road-safety",
        "สวมหมวกนิรภัยทุกครั้งที่ขับขี่",
        "Wear a helmet on every ride",
        "period",
        "monthly",
        ("discipline",),
        ("health",),
        3,
        False,
        5,
        (),
    ),
    (
        "merit-making",
        "ทำบุญที่ศาสนสถาน",
        "Make merit at a place of worship",
        "occurrence",
        "",
        ("gratitude",),
        ("society",),
        5,
        True,
        3,
        (1,),
    ),
]
FIRST_NAMES = [
    "สมชาย",
    "สมหญิง",
    "มานี",
    "ปิติ",
    "ชูใจ",
    "วีระ",
    "ดวงใจ",
    "บุญมี",
    "สุดา",
    "ประเสริฐ",
    "อรุณี",
    "สมศักดิ์",
    "วันเพ็ญ",
    "ธนากร",
    "กาญจนา",
    "นิพนธ์",
    "รัตนา",
    "สุรชัย",
    "พรทิพย์",
    "อำนาจ",
]
LAST_NAMES = [
    "ใจดี",
    "สุขสันต์",
    "รักไทย",
    "มีสุข",
    "ทองดี",
    "ศรีสุข",
    "บุญมา",
    "แสงทอง",
    "พึ่งบุญ",
    "ชัยมงคล",
    "สายสุวรรณ",
    "วงศ์ไทย",
    "คำแก้ว",
    "อินทร์แก้ว",
    "พรหมมา",
]


@dataclass
class Options:
    members: int = 2_000_000
    deeds: int = 10_000_000
    seed: int = 1
    chunk: int = 1_000_000
    workdir: Path = field(default_factory=lambda: Path("var") / "national")
    today: dt.date | None = None
    echo: Callable[[str], None] = print


@dataclass
class World:
    admin_id: int
    programme_id: int
    fiscal_years: tuple[int, int]
    members: int = 0
    organisations: int = 0
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # credits each organisation may need per fiscal year for the deeds written so far
    need: dict[tuple[str, int], int] = field(default_factory=dict)


def fiscal_years(today: dt.date) -> tuple[int, int]:
    """The two last complete Thai fiscal years (named by the CE year they end in)."""
    current = today.year + 1 if today.month >= 10 else today.year
    return current - 2, current - 1


def populations() -> list[tuple[str, int]]:
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return [(row["code"], int(row["population"])) for row in csv.DictReader(lines)]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _copy_text(sql: str, lines: Iterator[str]) -> None:
    """COPY in text format from preformatted lines (tabs between fields, \\N for NULL)."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        buffer = io.StringIO()
        for n, line in enumerate(lines, start=1):
            buffer.write(line)
            if n % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


class _Clock:
    def __init__(self, world: World, echo: Callable[[str], None]) -> None:
        self.world = world
        self.echo = echo

    def __call__(self, name: str) -> Any:
        clock = self

        class _Step:
            def __enter__(self) -> None:
                self.started = time.perf_counter()
                clock.echo(f"  {name} ...")

            def __exit__(self, *exc: object) -> None:
                took = time.perf_counter() - self.started
                clock.world.timings[name] = took
                clock.echo(f"  {name}: {took:.1f} s")

        return _Step()


# --- the world without deeds ----------------------------------------------------------------------------------


def build_world(opts: Options) -> World:
    """Areas, the agency and its programme with a published rulebook (two versions, one per fiscal year), a few
    local rulebooks, organisations in every subdistrict with the catalogue adopted, members, verifiers,
    memberships, consents and wallets. Idempotent only in the sense of failing cleanly: run it on an empty
    database."""
    from django.core.management import call_command

    from thamdee.areas.models import Area
    from thamdee.common.db import row_triggers_off
    from thamdee.deeds.seed import ensure_virtues_and_dimensions
    from thamdee.ledger.models import Programme
    from thamdee.orgs.models import AgencyStaff, Organisation, OrgKind
    from thamdee.people.models import User

    today = opts.today or timezone.localdate()
    years = fiscal_years(today)
    rng = random.Random(opts.seed)
    echo = opts.echo
    if not Area.objects.filter(level=3).exists():
        call_command("areas", "load", verbosity=0)
    ensure_virtues_and_dimensions()
    admin, _ = User.objects.get_or_create(username="national-admin", defaults={"is_superuser": True, "password": "!"})
    bangkok = Area.objects.get(code="10")
    agency, _ = Organisation.objects.get_or_create(
        name_th="ศูนย์คุณธรรม (องค์การมหาชน)", kind=OrgKind.AGENCY, defaults={"area": bangkok, "name_en": "Moral Center"}
    )
    AgencyStaff.objects.get_or_create(user=admin, agency=agency, defaults={"scope_area": None, "is_verifier": True})
    programme, _ = Programme.objects.get_or_create(
        code=PROGRAMME, defaults={"name_th": "ธนาคารความดีแห่งชาติ", "name_en": "National goodness bank", "agency": agency}
    )
    world = World(admin_id=admin.pk, programme_id=programme.pk, fiscal_years=years)
    clock = _Clock(world, echo)
    with clock("rulebook and national catalogue"):
        _rulebook(admin, programme, years)
        templates = _templates(admin, programme)
    with transaction.atomic(), row_triggers_off() as triggers:
        with clock("organisations, catalogues"):
            orgs = _organisations(rng, opts, templates)
        with clock("members, verifiers, memberships, consents, wallets"):
            world.members = _members(rng, opts, orgs, years)
        if triggers.active:
            with clock("references checked set-based"):
                _check_references()
    world.organisations = len(orgs)
    with clock("local rulebooks"):
        _local_rulebooks(rng, admin, programme, years)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return world


def _rulebook(admin: Any, programme: Any, years: tuple[int, int]) -> None:
    from thamdee.creditrules import services as rules

    book = rules.rulebook_get_or_create(programme=programme)
    if book.versions.filter(published_at__isnull=False).exists():
        return
    rates = [
        {"id": code, "deed_type": code, "per": unit, "credits": rate}
        for code, _th, _en, unit, _p, _v, _d, _w, _s, rate, _q in CATALOGUE
    ]
    common = {
        "schema": 1,
        "caps": {
            "member_day": 100,
            "member_month": 600,
            "deed_type_month": {"savings-20": 10, "household-account": 8, "five-precepts": 10, "road-safety": 5},
        },
        "two_approvers_above": 200,
        "appeal_days": 30,
        "levels": [
            {"code": "seed", "name_th": "ต้นกล้าความดี", "name_en": "Seedling", "min_credits": 0},
            {"code": "tree", "name_th": "ต้นไม้ความดี", "name_en": "Tree", "min_credits": 300},
            {"code": "forest", "name_th": "ป่าความดี", "name_en": "Forest", "min_credits": 1500},
        ],
    }
    target = {
        "id": "target",
        "kind": "target_area",
        "areas": ["71", "40", "57", "90"],
        "factor": 1.5,
        "label_th": "จังหวัดนำร่อง",
        "label_en": "pilot provinces",
    }
    v1 = {**common, "rates": rates, "multipliers": [target]}
    first = rules.rulebook_version_draft(actor=admin, rulebook=book, rules=v1, notes="ฉบับแรก")
    start1 = dt.date(years[0] - 1, 10, 1)
    rules.rulebook_version_publish(actor=admin, version=first, effective_from=start1, allow_past=True)
    rates2 = [dict(r, credits=6) if r["id"] == "elder-care" else r for r in rates]
    v2 = {
        **common,
        "rates": rates2,
        "multipliers": [
            target,
            {
                "id": "clean-up",
                "kind": "campaign",
                "from": f"{years[1] - 1}-12-01",
                "to": f"{years[1] - 1}-12-31",
                "deed_types": ["waste-sorting", "community-clean"],
                "factor": 2,
                "label_th": "เดือนรณรงค์ลดขยะ",
                "label_en": "waste campaign month",
            },
            {"id": "honesty", "kind": "focus_virtue", "virtues": ["honesty"], "factor": 1.25},
        ],
    }
    second = rules.rulebook_version_draft(actor=admin, rulebook=book, rules=v2, notes="ปีงบประมาณที่สอง")
    rules.rulebook_version_publish(
        actor=admin, version=second, effective_from=dt.date(years[1] - 1, 10, 1), allow_past=True
    )


def _templates(admin: Any, programme: Any) -> dict[str, Any]:
    from thamdee.deeds import services
    from thamdee.deeds.models import DeedType

    out = {}
    for code, th, en, unit, period, virtues, dims, _w, sensitive, _rate, _q in CATALOGUE:
        existing = DeedType.objects.filter(programme=programme, organisation__isnull=True, code=code).first()
        out[code] = existing or services.deed_type_create(
            actor=admin,
            programme=programme,
            organisation=None,
            code=code,
            name_th=th,
            name_en=en,
            criterion=th,
            unit=unit,
            period=period,
            virtues=virtues,
            dimensions=dims,
            is_sensitive=sensitive,
            max_backdate_days=30,
        )
    return out


@dataclass
class _Org:
    id: int
    public_id: uuid.UUID
    subdistrict_id: int
    verifiers: list[str] = field(default_factory=list)


def _organisations(rng: random.Random, opts: Options, templates: dict[str, Any]) -> dict[int, list[_Org]]:
    """A community organisation council in every subdistrict, and a savings group where many members live;
    each adopts the whole national catalogue."""
    from thamdee.areas.models import Area

    subs = list(Area.objects.filter(level=3).order_by("code").values_list("id", "code", "name_th"))
    weights = _subdistrict_weights(subs)
    expected = {sid: opts.members * w for (sid, _c, _n), w in zip(subs, weights, strict=True)}
    now = timezone.now().isoformat()
    rows = []
    for sid, code, name in subs:
        kinds = [("council", f"สภาองค์กรชุมชนตำบล{name}")]
        if expected[sid] >= 200:
            kinds.append(("savings_group", f"กลุ่มออมทรัพย์เพื่อการผลิต ตำบล{name}"))
        for kind, title in kinds:
            public_id = uuid.uuid5(ORG_NAMESPACE, f"{opts.seed}:{code}:{kind}")
            rows.append((public_id, title, kind, sid))
    _copy_text(
        "COPY orgs_organisation (public_id, name_th, name_en, short_name, kind, area_id, description, contact_phone, "
        "is_active, created_at) FROM STDIN",
        (f"{p}\t{t}\t\t\t{k}\t{s}\t\t\tt\t{now}\n" for p, t, k, s in rows),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, public_id, area_id FROM orgs_organisation WHERE kind IN ('council', 'savings_group') "
            "ORDER BY id"
        )
        orgs: dict[int, list[_Org]] = defaultdict(list)
        for oid, pid, area_id in cursor.fetchall():
            orgs[area_id].append(_Org(oid, pid, area_id))
        # Every organisation adopts the national catalogue (its own copies, linked to the templates).
        lines = []
        for org_list in orgs.values():
            for org in org_list:
                for code, template in templates.items():
                    pid = uuid.uuid5(ORG_NAMESPACE, f"{org.public_id}:{code}")
                    lines.append(
                        f"{pid}\t{template.programme_id}\t{org.id}\t{template.pk}\t{code}\t{template.name_th}\t"
                        f"{template.name_en}\t\t{template.criterion}\t{template.unit}\t{template.period}\t"
                        f"{template.evidence}\t{template.verified_by}\t{template.max_backdate_days}\t"
                        f"{'t' if template.is_sensitive else 'f'}\tf\tt\t{now}\t{template.main_virtue_id or NULL}\t"
                        f"{template.main_dimension_id or NULL}\n"
                    )
        _copy_text(
            "COPY deeds_deedtype (public_id, programme_id, organisation_id, adopted_from_id, code, name_th, name_en, "
            "description, criterion, unit, period, evidence, verified_by, max_backdate_days, is_sensitive, "
            "checkin_verified, is_active, created_at, main_virtue_id, main_dimension_id) FROM STDIN",
            iter(lines),
        )
        cursor.execute(
            """INSERT INTO deeds_deedtype_virtues (deedtype_id, virtue_id)
               SELECT t.id, tv.virtue_id FROM deeds_deedtype t JOIN deeds_deedtype_virtues tv
                 ON tv.deedtype_id = t.adopted_from_id WHERE t.adopted_from_id IS NOT NULL
                  AND t.organisation_id IN (SELECT id FROM orgs_organisation
                                             WHERE kind IN ('council', 'savings_group'))"""
        )
        cursor.execute(
            """INSERT INTO deeds_deedtype_dimensions (deedtype_id, dimension_id)
               SELECT t.id, td.dimension_id FROM deeds_deedtype t JOIN deeds_deedtype_dimensions td
                 ON td.deedtype_id = t.adopted_from_id WHERE t.adopted_from_id IS NOT NULL
                  AND t.organisation_id IN (SELECT id FROM orgs_organisation
                                             WHERE kind IN ('council', 'savings_group'))"""
        )
    return orgs


def _subdistrict_weights(subs: list[tuple[int, str, str]]) -> list[float]:
    """A subdistrict's share of the people: its province's population, shared evenly among its subdistricts."""
    pops = dict(populations())
    per_province: dict[str, int] = defaultdict(int)
    for _sid, code, _name in subs:
        per_province[code[:2]] += 1
    total = sum(pops.values())
    return [pops.get(code[:2], 0) / total / per_province[code[:2]] for _sid, code, _name in subs]


def _members(rng: random.Random, opts: Options, orgs: dict[int, list[_Org]], years: tuple[int, int]) -> int:
    """Members (home subdistrict by population), two verifiers per organisation, memberships (each member in an
    organisation of their subdistrict, one in five in a second), consents for sensitive deeds (about a third),
    and a wallet for every member. Usernames: m0000001..., v<org id>-1/-2."""
    from thamdee.areas.models import Area

    subs = list(Area.objects.filter(level=3).order_by("code").values_list("id", "code", "name_th"))
    weights = _subdistrict_weights(subs)
    cumulative = []
    acc = 0.0
    for w in weights:
        acc += w
        cumulative.append(acc)
    now = timezone.now().isoformat()
    homes = []
    for _ in range(opts.members):
        index = bisect.bisect_left(cumulative, rng.random() * acc)
        homes.append(subs[min(index, len(subs) - 1)][0])
    homes.sort()  # members of a subdistrict get neighbouring usernames (and the files group them)

    def users() -> Iterator[str]:
        for n, home in enumerate(homes, start=1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            prefix = rng.choice(("นาย", "นาง", "นางสาว"))
            born = rng.randint(1945, 2010)
            yield f"!\tf\tm{n:07d}\t{first}\t{last}\t\tf\tt\t{now}\t{_uuid(rng)}\t{prefix}\t{born}\t{home}\tth\n"
        for org_list in orgs.values():
            for org in org_list:
                for k in (1, 2):
                    yield (
                        f"!\tf\tv{org.id}-{k}\tผู้รับรอง\tองค์กร {org.id}\t\tf\tt\t{now}\t{_uuid(rng)}\t\t"
                        f"1975\t{org.subdistrict_id}\tth\n"
                    )

    _copy_text(
        "COPY people_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, "
        "date_joined, public_id, prefix, birth_year, home_area_id, preferred_language) FROM STDIN",
        users(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM people_user WHERE username ~ '^m[0-9]{7}$'")
        first_id, last_id, count = cursor.fetchone()
        # COPY took ids from the sequence in file order: member n is first_id + n - 1.
        assert last_id - first_id + 1 == count == len(homes), "members' ids are not contiguous"
        cursor.execute("SELECT id, username FROM people_user WHERE username LIKE 'v%%-_'")
        verifier_ids = {name: uid for uid, name in cursor.fetchall()}

    def memberships() -> Iterator[str]:
        for n, home in enumerate(homes):
            uid = first_id + n
            choices = orgs[home]
            primary = choices[0] if len(choices) == 1 or rng.random() < 0.7 else choices[1]
            yield f"{_uuid(rng)}\t{uid}\t{primary.id}\tt\tf\tf\tf\tf\tt\t{now}\n"
            if len(choices) > 1 and rng.random() < 0.2:
                other = choices[1] if primary is choices[0] else choices[0]
                yield f"{_uuid(rng)}\t{uid}\t{other.id}\tt\tf\tf\tf\tf\tt\t{now}\n"
        for org_list in orgs.values():
            for org in org_list:
                for k in (1, 2):
                    uid = verifier_ids[f"v{org.id}-{k}"]
                    yield f"{_uuid(rng)}\t{uid}\t{org.id}\tf\tt\tt\t{'t' if k == 1 else 'f'}\tf\tt\t{now}\n"

    _copy_text(
        "COPY orgs_membership (public_id, user_id, organisation_id, is_member, is_organiser, is_verifier, is_admin, "
        "is_partner_staff, is_active, joined_at) FROM STDIN",
        memberships(),
    )
    consent_at = dt.datetime(years[0] - 1, 9, 1, tzinfo=dt.UTC).isoformat()
    _copy_text(
        "COPY people_consent (user_id, purpose, granted_at, guardian_name) FROM STDIN",
        (f"{first_id + n}\tsensitive_deeds\t{consent_at}\t\n" for n in range(len(homes)) if rng.random() < 0.35),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_account (kind, user_id, balance, earned_total, created_at) "
            "SELECT 1, id, 0, 0, now() FROM people_user WHERE id >= %s AND id < %s ORDER BY id",
            [first_id, first_id + len(homes)],
        )
        cursor.execute(
            "INSERT INTO ledger_account (kind, organisation_id, balance, earned_total, created_at) "
            "SELECT 5, id, 0, 0, now() FROM orgs_organisation WHERE kind IN ('council', 'savings_group') ORDER BY id"
        )
    return len(homes)


def _check_references() -> None:
    """What the foreign-key triggers would have checked for the rows loaded with them off."""
    checks = [
        ("people_user", "home_area_id", "areas_area"),
        ("orgs_organisation", "area_id", "areas_area"),
        ("orgs_membership", "user_id", "people_user"),
        ("orgs_membership", "organisation_id", "orgs_organisation"),
        ("people_consent", "user_id", "people_user"),
        ("deeds_deedtype", "organisation_id", "orgs_organisation"),
        ("deeds_deedtype", "adopted_from_id", "deeds_deedtype"),
        ("deeds_deedtype", "programme_id", "ledger_programme"),
        ("ledger_account", "user_id", "people_user"),
        ("ledger_account", "organisation_id", "orgs_organisation"),
    ]
    with connection.cursor() as cursor:
        for table, column, parent in checks:
            cursor.execute(
                f"SELECT count(*) FROM {table} c WHERE c.{column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = c.{column})"
            )
            (missing,) = cursor.fetchone()
            if missing:
                raise RuntimeError(f"{missing} rows of {table}.{column} name a missing {parent}")


def _local_rulebooks(rng: random.Random, admin: Any, programme: Any, years: tuple[int, int]) -> None:
    """About one organisation in a hundred keeps a local rulebook that pays more for waste sorting."""
    from thamdee.creditrules import services as rules
    from thamdee.orgs.models import Organisation

    councils = list(Organisation.objects.filter(kind="council").order_by("id").values_list("id", flat=True))
    chosen = sorted(rng.sample(councils, max(1, len(councils) // 100)))
    for org in Organisation.objects.filter(pk__in=chosen):
        book = rules.rulebook_get_or_create(programme=programme, organisation=org)
        if book.versions.exists():
            continue
        draft = rules.rulebook_version_draft(
            actor=admin,
            rulebook=book,
            rules={
                "schema": 1,
                "rates": [{"id": "local-waste", "deed_type": "waste-sorting", "per": "occurrence", "credits": 4}],
            },
        )
        rules.rulebook_version_publish(
            actor=admin, version=draft, effective_from=dt.date(years[0] - 1, 10, 1), allow_past=True
        )


# --- deeds ------------------------------------------------------------------------------------------------------


def write_deed_files(opts: Options, world: World, *, deeds: int | None = None, prefix: str = "deeds") -> list[Path]:
    """CSV files of verified deeds, about ``opts.chunk`` rows each, every member's deeds in one file (files
    follow the members, hence the provinces: each ingest touches its own areas' rollup cells)."""
    total = opts.deeds if deeds is None else deeds
    rng = random.Random(opts.seed * 7919 + total)
    start, end = dt.date(world.fiscal_years[0] - 1, 10, 1), dt.date(world.fiscal_years[1], 9, 30)
    today = opts.today or timezone.localdate()
    days = (end - start).days + 1
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT u.username, u.id, o.public_id, o.id, (SELECT count(*) FROM people_consent c
                     WHERE c.user_id = u.id AND c.withdrawn_at IS NULL) > 0
                 FROM people_user u JOIN orgs_membership m ON m.user_id = u.id AND m.is_member AND NOT m.is_verifier
                 JOIN orgs_organisation o ON o.id = m.organisation_id
                WHERE u.username LIKE 'm%%' ORDER BY u.id, m.id"""
        )
        rows = cursor.fetchall()
    by_member: dict[str, list[tuple[uuid.UUID, int]]] = defaultdict(list)
    consent: dict[str, bool] = {}
    for username, _uid, org_public, org_id, has_consent in rows:
        by_member[username].append((org_public, org_id))
        consent[username] = has_consent
    members = sorted(by_member)
    mean = total / max(len(members), 1)
    types = [c[0] for c in CATALOGUE]
    weights = [c[7] for c in CATALOGUE]
    spec = {c[0]: c for c in CATALOGUE}
    cumulative = []
    acc = 0
    for w in weights:
        acc += w
        cumulative.append(acc)
    # Deeds per member: exponential (many do a few, some do a lot), scaled to the total asked for.
    counts = [int(rng.expovariate(1 / mean)) for _ in members]
    scale = total / max(sum(counts), 1)
    counts = [int(c * scale) for c in counts]
    short = total - sum(counts)
    for i in range(short):
        counts[i % len(counts)] += 1
    opts.workdir.mkdir(parents=True, exist_ok=True)
    need: dict[tuple[str, int], int] = defaultdict(int)
    files: list[Path] = []
    handle = None
    writer: Any = None
    written = 0
    for member, count in zip(members, counts, strict=True):
        if not count:
            continue  # (and no file is opened for members without deeds)
        if handle is None or written >= opts.chunk:
            if handle is not None:
                handle.close()
            path = opts.workdir / f"{prefix}-{opts.seed}-{len(files) + 1:03d}.csv"
            files.append(path)
            handle = path.open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "ref",
                    "member",
                    "organisation",
                    "deed_type",
                    "done_on",
                    "verified_on",
                    "hours",
                    "quantity",
                    "verifier",
                ]
            )
            written = 0
        periods: set[tuple[str, int, int]] = set()
        for k in range(count):
            code = types[bisect.bisect_left(cumulative, rng.random() * acc)]
            if spec[code][8] and not consent[member]:
                code = "waste-sorting"
            day = start + dt.timedelta(days=rng.randrange(days))
            if spec[code][3] == "period":
                # one a month: a second one in the same month would be capped to nothing
                if (code, day.year, day.month) in periods:
                    code = "waste-sorting"
                else:
                    periods.add((code, day.year, day.month))
            verified = min(day + dt.timedelta(days=rng.randint(0, 7)), today)
            org_public, org_id = by_member[member][0] if rng.random() < 0.8 else rng.choice(by_member[member])
            unit, quantities = spec[code][3], spec[code][10]
            amount = str(rng.choice(quantities)) if quantities else ""
            hours, quantity = (amount, "") if unit == "hour" else ("", amount)
            writer.writerow(
                [
                    f"{opts.seed}-{member}-{k}",
                    member,
                    org_public,
                    code,
                    day.isoformat(),
                    verified.isoformat(),
                    hours,
                    quantity,
                    f"v{org_id}-{1 + (k % 2)}",
                ]
            )
            fy = day.year + 1 if day.month >= 10 else day.year
            need[(str(org_public), fy)] += MAX_AWARD
            written += 1
    if handle is not None:
        handle.close()
    world.files = files
    world.need = dict(need)
    return files


def fund_allotments(world: World) -> None:
    """Top up every organisation's allotment from the programme's issuance, for each fiscal year, with room for
    every deed written at more than any deed of the catalogue can earn (so allotments never run out)."""
    from thamdee.ledger import services as ledger
    from thamdee.ledger.models import AccountKind, CauseKind, JournalKind, Programme
    from thamdee.orgs.models import Organisation

    need = world.need
    programme = Programme.objects.get(pk=world.programme_id)
    orgs = {str(o.public_id): o for o in Organisation.objects.filter(kind__in=["council", "savings_group"])}
    issuance = {fy: ledger.account_issuance(programme, fy) for fy in world.fiscal_years}
    allotments = {a.organisation_id: a for a in ledger.Account.objects.filter(kind=AccountKind.ALLOTMENT)}
    items = []
    for (org_key, fy), amount in sorted(need.items()):
        org = orgs[org_key]
        allotment = allotments.get(org.pk) or ledger.account_of_org(org, AccountKind.ALLOTMENT)
        items.append(
            ledger.BatchItem(
                kind=JournalKind.ALLOTMENT,
                legs=[(issuance[fy], -amount), (allotment, amount)],
                idempotency_key=f"national:topup:{org_key}:{fy}:{amount}",
                cause=(CauseKind.TOP_UP, org.pk),
                memo=f"โควตาปีงบประมาณ {fy + 543}",
                at=timezone.make_aware(dt.datetime(fy - 1, 10, 1, 8)),
            )
        )
    for i in range(0, len(items), 5000):
        with transaction.atomic():
            ledger.journal_post_batch(items=items[i : i + 5000])


def ingest_files(world: World, files: list[Path], echo: Callable[[str], None] = print) -> list[Any]:
    from thamdee.deeds.ingest import deeds_ingest
    from thamdee.people.models import User

    admin = User.objects.get(pk=world.admin_id)
    reports = []
    for path in files:
        started = time.perf_counter()
        report = deeds_ingest(actor=admin, path=path)
        echo(
            f"  {path.name}: {report.ingested:,} deeds, {report.credits:,} credits in "
            f"{time.perf_counter() - started:.1f} s"
        )
        reports.append(report)
    return reports


def generate(opts: Options) -> World:
    """The whole data set: the world, the deed files, the allotments, then every file ingested."""
    world = build_world(opts)
    clock = _Clock(world, opts.echo)
    with clock("deed files"):
        files = write_deed_files(opts, world)
    with clock("allotments"):
        fund_allotments(world)
    with clock("ingest"):
        ingest_files(world, files, opts.echo)
    return world
