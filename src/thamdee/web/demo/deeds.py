# mypy: disable-error-code="arg-type,attr-defined,misc,union-attr,assignment"
"""Step 3: catalogues modelled on real Thai ones (the Nong Sarai goodness bank, the time bank), the programme's
rulebook and local rulebooks with their history, activities, and a year of deeds in every state, with an
appeal; then gifts and donations so that passbooks have history."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from thamdee.areas.models import Area
from thamdee.common.thaitime import current_fiscal_year
from thamdee.creditrules import services as rules
from thamdee.deeds import services
from thamdee.deeds.models import Activity, Decision, Deed, DeedSource, DeedStatus, DeedType
from thamdee.deeds.seed import ensure_virtues_and_dimensions
from thamdee.ledger import services as ledger
from thamdee.orgs.models import Membership, OrgKind
from thamdee.people.models import ConsentPurpose, User
from thamdee.people.services import consent_grant
from thamdee.web.demo.base import Demo

# National templates (agency): code, Thai, English, criterion, unit, period, evidence, virtues, dimensions
TEMPLATES = [
    (
        "elder-care",
        "ดูแลผู้สูงอายุในชุมชน (ธนาคารเวลา)",
        "Caring for elders (time bank)",
        "ดูแล เยี่ยม หรือพาผู้สูงอายุไปทำธุระ นับเป็นชั่วโมง ผู้สูงอายุหรือญาติยืนยัน",
        "hour",
        "",
        "witness",
        ["volunteering", "gratitude"],
        ["health", "society"],
    ),
    (
        "volunteer-hour",
        "จิตอาสาพัฒนาพื้นที่สาธารณะ",
        "Volunteering for public spaces",
        "ร่วมพัฒนาวัด โรงเรียน ถนน หรือลำคลอง นับเป็นชั่วโมง มีภาพถ่าย",
        "hour",
        "",
        "photo",
        ["volunteering"],
        ["environment", "society"],
    ),
    (
        "waste-sorting",
        "คัดแยกขยะในครัวเรือนครบทั้งเดือน",
        "Sorting household waste for a whole month",
        "คัดแยกขยะเปียก รีไซเคิล อันตราย ครบทั้งเดือน มีภาพถ่ายจุดคัดแยก",
        "period",
        "monthly",
        "photo",
        ["discipline"],
        ["environment"],
    ),
    (
        "gratitude-parents",
        "ดูแลพ่อแม่",
        "Looking after one's parents",
        "ดูแลพ่อแม่ผู้สูงอายุต่อเนื่องทั้งเดือน ผู้นำชุมชนรับรอง",
        "period",
        "monthly",
        "witness",
        ["gratitude"],
        ["society", "health"],
    ),
]
# The Nong Sarai goodness bank, for savings groups: code, Thai, English, criterion, unit, period, evidence,
# virtues, dimensions, sensitive
SAVINGS_CATALOGUE = [
    (
        "savings-20",
        "ออมเงินกับกลุ่มอย่างน้อยเดือนละ 20 บาท",
        "Saving at least 20 baht a month with the group",
        "ยอดฝากในสมุดกลุ่มออมทรัพย์เดือนนี้ไม่น้อยกว่า 20 บาท",
        "period",
        "monthly",
        "document",
        ["sufficiency", "discipline"],
        ["economy"],
        False,
    ),
    (
        "spending-cut",
        "ลดรายจ่ายฟุ่มเฟือย",
        "Cutting extravagant spending",
        "บัญชีครัวเรือนแสดงรายจ่ายฟุ่มเฟือยลดลงอย่างน้อยร้อยละ 5 จากเดือนก่อน (ให้เครดิตตามร้อยละที่ลด)",
        "percent",
        "",
        "document",
        ["sufficiency"],
        ["economy"],
        False,
    ),
    (
        "household-account",
        "จดบัญชีครัวเรือนครบทั้งเดือน",
        "Keeping a household account for a whole month",
        "บัญชีรับจ่ายครัวเรือนครบทุกวันของเดือน",
        "period",
        "monthly",
        "document",
        ["discipline", "sufficiency"],
        ["economy"],
        False,
    ),
    (
        "five-precepts",
        "รักษาศีล 5",
        "Keeping the five precepts",
        "รักษาศีล 5 ตลอดเดือน ผู้นำชุมชนหรือพระสงฆ์รับรอง (ข้อมูลอ่อนไหว ไม่เผยแพร่)",
        "period",
        "monthly",
        "witness",
        ["honesty"],
        ["society"],
        True,
    ),
]
COUNCIL_CATALOGUE = [
    (
        "return-lost-item",
        "ส่งคืนของที่เก็บได้",
        "Returning a found item",
        "ส่งคืนเงินหรือทรัพย์สินที่เก็บได้ให้เจ้าของหรือผู้นำชุมชน มีพยาน",
        "occurrence",
        "",
        "witness",
        ["honesty"],
        ["society"],
        False,
    ),
    (
        "health-check",
        "ตรวจสุขภาพประจำปี",
        "Annual health check",
        "ตรวจสุขภาพที่ รพ.สต. ในปีงบประมาณนี้ มีใบนัดหรือบันทึก อสม.",
        "occurrence",
        "",
        "document",
        ["discipline"],
        ["health"],
        False,
    ),
]
LEVELS = [
    {"code": "seedling", "name_th": "ต้นกล้าความดี", "name_en": "Seedling of goodness", "min_credits": 0},
    {"code": "doer", "name_th": "ผู้ทำดี", "name_en": "Doer of good", "min_credits": 100},
    {"code": "pillar", "name_th": "เสาหลักความดีของชุมชน", "name_en": "Pillar of the community", "min_credits": 500},
    {"code": "leader", "name_th": "ผู้นำความดี", "name_en": "Leader in goodness", "min_credits": 1500},
]


def _programme_rules(version: int) -> dict:
    rates = [
        {"id": "elder", "deed_type": "elder-care", "per": "hour", "credits": 5 if version == 1 else 6},
        {"id": "volunteer", "deed_type": "volunteer-hour", "per": "hour", "credits": 4},
        {"id": "waste", "deed_type": "waste-sorting", "per": "period", "credits": 10},
        {"id": "parents", "deed_type": "gratitude-parents", "per": "period", "credits": 12},
    ]
    doc: dict = {
        "schema": 1,
        "rates": rates,
        "default_rates": {"occurrence": 5},
        "caps": {"member_day": 100, "member_month": 400},
        "two_approvers_above": 80,
        "appeal_days": 30,
        "levels": LEVELS,
    }
    if version >= 2:
        doc["multipliers"] = [
            {
                "id": "target-2570",
                "kind": "target_area",
                "areas": ["7109", "5505"],
                "factor": 1.5,
                "label_th": "พื้นที่เป้าหมายปีงบประมาณ 2570",
                "label_en": "FY2570 target areas",
            },
            {
                "id": "gratitude-focus",
                "kind": "focus_virtue",
                "virtues": ["gratitude"],
                "factor": 1.2,
                "label_th": "ปีแห่งความกตัญญู",
                "label_en": "Year of gratitude",
            },
            {
                "id": "new-year-waste",
                "kind": "campaign",
                "from": "2026-12-15",
                "to": "2027-01-15",
                "factor": 2,
                "deed_types": ["waste-sorting"],
                "label_th": "รณรงค์คัดแยกขยะช่วงปีใหม่",
                "label_en": "New Year waste-sorting campaign",
            },
        ]
    return doc


SAVINGS_RULES = {
    "schema": 1,
    "rates": [
        {"id": "save", "deed_type": "savings-20", "per": "period", "credits": 10},
        {"id": "cut", "deed_type": "spending-cut", "per": "percent", "credits": 2},
        {"id": "account", "deed_type": "household-account", "per": "period", "credits": 8},
        {"id": "precepts", "deed_type": "five-precepts", "per": "period", "credits": 5},
    ],
    "caps": {"deed_type_month": {"spending-cut": 40}},
}
COUNCIL_RULES = {
    "schema": 1,
    "rates": [
        {"id": "lost", "deed_type": "return-lost-item", "per": "occurrence", "credits": 15},
        {"id": "health", "deed_type": "health-check", "per": "occurrence", "credits": 10},
    ],
}


def _deed_type(demo: Demo, org, spec, *, adopted=None) -> DeedType:  # type: ignore[no-untyped-def]
    code = spec[0]
    found = DeedType.objects.filter(organisation=org, code=code).first()
    if found:
        return found
    if adopted is not None:
        return services.deed_type_adopt(actor=demo.admin, template=adopted, organisation=org)
    code, th, en, criterion, unit, period, evidence, virtues, dimensions, *rest = spec
    return services.deed_type_create(
        actor=demo.admin,
        programme=demo.programme,
        organisation=org,
        code=code,
        name_th=th,
        name_en=en,  # type: ignore[attr-defined]
        criterion=criterion,
        unit=unit,
        period=period,
        evidence=evidence,
        virtues=virtues,
        dimensions=dimensions,
        is_sensitive=bool(rest and rest[0]),
        max_backdate_days=60,
        checkin_verified=code == "volunteer-hour",
    )


def _template(demo: Demo, spec: tuple, **extra: object) -> DeedType:
    """A national template of the pilot programme from a TEMPLATES-style row."""
    code, th, en, criterion, unit, period, evidence, virtues, dimensions = spec
    return services.deed_type_create(
        actor=demo.admin,
        programme=demo.programme,  # type: ignore[attr-defined]
        organisation=None,
        code=code,
        name_th=th,
        name_en=en,
        criterion=criterion,
        unit=unit,
        period=period,
        evidence=evidence,
        virtues=virtues,
        dimensions=dimensions,
        max_backdate_days=60,
        **extra,
    )


def _publish(demo: Demo, book, docs: list[tuple[dt.date, dict, str]]) -> None:  # type: ignore[no-untyped-def]
    if book.versions.filter(published_at__isnull=False).exists():
        return
    for effective, doc, notes in docs:
        draft = rules.rulebook_version_draft(actor=demo.admin, rulebook=book, rules=doc, notes=notes)
        rules.rulebook_version_publish(actor=demo.admin, version=draft, effective_from=effective, allow_past=True)


def _catalogues(demo: Demo) -> dict[int, dict[str, DeedType]]:
    ensure_virtues_and_dimensions()
    prog = demo.programme  # type: ignore[attr-defined]
    templates = {}
    for spec in TEMPLATES:
        code = spec[0]
        found = DeedType.objects.filter(organisation__isnull=True, programme=prog, code=code).first()
        templates[code] = found or _template(demo, spec, checkin_verified=code == "volunteer-hour")
    year = current_fiscal_year()
    book = rules.rulebook_get_or_create(programme=prog)
    _publish(
        demo,
        book,
        [
            (dt.date(year - 2, 10, 1), _programme_rules(1), "ฉบับแรกของโครงการนำร่อง"),
            (
                dt.date(year - 1, 10, 1),
                _programme_rules(2),
                "เพิ่มอัตราดูแลผู้สูงอายุ ตัวคูณพื้นที่เป้าหมาย ปีแห่งความกตัญญู และช่วงรณรงค์คัดแยกขยะ",
            ),
        ],
    )
    catalogues: dict[int, dict[str, DeedType]] = {}
    for org in demo.orgs.values():
        items: dict[str, DeedType] = {}
        if org.kind == OrgKind.SAVINGS_GROUP:
            for spec in SAVINGS_CATALOGUE:
                items[spec[0]] = _deed_type(demo, org, spec)
            local = rules.rulebook_get_or_create(programme=prog, organisation=org)
            _publish(demo, local, [(dt.date(year - 2, 10, 1), SAVINGS_RULES, "ธนาคารความดีแบบหนองสาหร่าย")])
        elif org.kind == OrgKind.COUNCIL:
            for code in ("elder-care", "volunteer-hour", "waste-sorting", "gratitude-parents"):
                items[code] = _deed_type(demo, org, (code,), adopted=templates[code])
            for spec in COUNCIL_CATALOGUE:
                items[spec[0]] = _deed_type(demo, org, spec)
            local = rules.rulebook_get_or_create(programme=prog, organisation=org)
            _publish(demo, local, [(dt.date(year - 2, 10, 1), COUNCIL_RULES, "กติกาท้องถิ่นของสภาองค์กรชุมชน")])
        if items:
            catalogues[org.pk] = items
    return catalogues


def _verifiers(demo: Demo) -> dict[int, list[User]]:
    """Two verifiers per pilot organisation (never the doer of the deeds they verify)."""
    out: dict[int, list[User]] = {}
    for key, org in demo.orgs.items():
        people = demo.members.get(key) or []
        if len(people) < 4:
            continue
        chosen = [p for p in people if not p.username.startswith("demo-member")][1:3]
        for person in chosen:
            Membership.objects.filter(user=person, organisation=org).update(is_verifier=True, is_organiser=True)
        if key.startswith("710911"):
            chosen = [User.objects.get(username="demo-verifier"), User.objects.get(username="demo-orgadmin")]
        out[org.pk] = chosen
    for user in User.objects.filter(pk__in=[u.pk for users in out.values() for u in users]):
        if hasattr(user, "_thamdee_roles"):
            delattr(user, "_thamdee_roles")
    return out


def _plan(demo: Demo, catalogues: dict[int, dict[str, DeedType]], rng: random.Random, today: dt.date) -> list[Deed]:
    start = today - dt.timedelta(days=365)
    months = []
    day = dt.date(start.year, start.month, 1)
    while day <= today:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    deeds: list[Deed] = []

    def add(
        member: User,
        deed_type: DeedType,
        done_on: dt.date,
        *,
        hours: float = 0,
        quantity: float = 1,
        source: str = DeedSource.SELF,
        recorder: User | None = None,
        description: str = "",
        activity: Activity | None = None,
    ) -> None:
        if done_on > today or done_on < start:
            return
        deeds.append(
            Deed(
                member=member,
                deed_type=deed_type,
                organisation_id=deed_type.organisation_id,
                area=member.home_area or Area.objects.get(code=deed_type.organisation.area.code),
                done_on=done_on,
                hours=Decimal(str(hours)),
                quantity=Decimal(str(quantity or 1)),
                beneficiaries=rng.randint(0, 6) if hours else 0,
                description=description,
                source=source,
                recorded_by=recorder or member,
                activity=activity,
            )
        )

    for key, org in demo.orgs.items():
        items = catalogues.get(org.pk)
        people = demo.members.get(key) or []
        if not items or not people:
            continue
        organiser = User.objects.filter(memberships__organisation=org, memberships__is_organiser=True).first()
        if org.kind == OrgKind.SAVINGS_GROUP:
            for member in people:
                keen = rng.random()
                for month in months:
                    last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
                    if rng.random() < 0.6 + 0.3 * keen:
                        add(
                            member,
                            items["savings-20"],
                            min(last, month + dt.timedelta(days=rng.randint(20, 27))),
                            source=DeedSource.ORGANISER,
                            recorder=organiser,
                            description="ยอดฝากตามสมุดกลุ่ม",
                        )
                    if rng.random() < 0.35 * keen:
                        add(member, items["household-account"], last, source=DeedSource.ORGANISER, recorder=organiser)
                    if rng.random() < 0.15:
                        add(
                            member,
                            items["spending-cut"],
                            last,
                            quantity=rng.choice([5, 6, 8, 10, 12]),
                            description="เทียบบัญชีครัวเรือนกับเดือนก่อน",
                        )
                    if member.username.endswith("-03") and rng.random() < 0.8:
                        add(member, items["five-precepts"], last, source=DeedSource.ORGANISER, recorder=organiser)
        elif org.kind == OrgKind.COUNCIL:
            area = org.area
            for month in months:
                # A monthly clean-up day run as an activity with QR check-in.
                when = timezone.make_aware(
                    dt.datetime.combine(month + dt.timedelta(days=rng.randint(5, 20)), dt.time(8, 0))
                )
                if when.date() > today:
                    continue
                activity = Activity.objects.filter(organisation=org, starts_at=when).first() or Activity.objects.create(
                    organisation=org,
                    deed_type=items["volunteer-hour"],
                    title="จิตอาสาพัฒนาชุมชนประจำเดือน",
                    area=area,
                    starts_at=when,
                    ends_at=when + dt.timedelta(hours=4),
                    hours=Decimal(3),
                    created_by=organiser or demo.admin,
                )
                for member in rng.sample(people, k=min(len(people), rng.randint(6, 12))):
                    add(
                        member,
                        items["volunteer-hour"],
                        when.date(),
                        hours=3,
                        source=DeedSource.ACTIVITY,
                        recorder=member,
                        activity=activity,
                    )
            for member in people:
                carer = rng.random() < 0.35
                for month in months:
                    if carer:
                        for _ in range(rng.randint(1, 3)):
                            add(
                                member,
                                items["elder-care"],
                                month + dt.timedelta(days=rng.randint(0, 27)),
                                hours=rng.choice([1, 2, 2, 3, 4]),
                                description="ดูแลผู้สูงอายุติดบ้าน",
                            )
                    if rng.random() < 0.45:
                        add(member, items["waste-sorting"], month + dt.timedelta(days=27))
                    if rng.random() < 0.05:
                        add(
                            member,
                            items["return-lost-item"],
                            month + dt.timedelta(days=rng.randint(0, 27)),
                            description="เก็บกระเป๋าสตางค์ได้ที่ตลาด ส่งคืนเจ้าของ",
                        )
                if rng.random() < 0.5:
                    add(member, items["health-check"], today - dt.timedelta(days=rng.randint(20, 300)))
                if rng.random() < 0.2:
                    for month in months[-4:]:
                        add(member, items["gratitude-parents"], month + dt.timedelta(days=26))
    return deeds


@transaction.atomic
def run(demo: Demo) -> None:
    rng = random.Random(2570)
    catalogues = _catalogues(demo)
    verifiers = _verifiers(demo)
    pilot = [org.pk for org in demo.orgs.values() if org.pk in catalogues]
    if Deed.objects.filter(organisation_id__in=pilot).exists():
        return  # deeds already loaded: the rest of this step ran before
    # Someone who keeps the five precepts consented to recording it (a sensitive deed type).
    for people in demo.members.values():
        for person in people:
            if person.username.endswith("-03"):
                consent_grant(actor=person, user=person, purpose=ConsentPurpose.SENSITIVE_DEEDS)
    today = timezone.localdate()
    # Councils award more than savings groups: top their allotments up for the year of history.
    year = current_fiscal_year()
    for org in demo.orgs.values():
        if org.kind == OrgKind.COUNCIL:
            ledger.allotment_top_up(
                actor=demo.admin,
                organisation=org,
                programme=demo.programme,  # type: ignore[attr-defined]
                amount=60000,
                fiscal_year=year,
                idempotency_key=f"demo:topup-extra:{org.pk}",
                memo="เติมโควตาสำหรับกิจกรรมธนาคารเวลา",
            )
    planned = _plan(demo, catalogues, rng, today)
    Deed.objects.bulk_create(planned, batch_size=1000)
    deeds = list(
        Deed.objects.filter(organisation_id__in=pilot)
        .select_related("deed_type", "organisation", "member")
        .order_by("done_on", "pk")
    )

    # Verification: deeds older than two weeks were decided, mostly verified, in weekly batches.
    recent = today - dt.timedelta(days=14)
    to_verify: dict[tuple[int, dt.date], list[Deed]] = defaultdict(list)
    rejected: list[Deed] = []
    for deed in deeds:
        if deed.done_on >= recent:
            continue
        if rng.random() < 0.05 and deed.source != DeedSource.ACTIVITY:
            rejected.append(deed)
            continue
        week = deed.done_on - dt.timedelta(days=deed.done_on.weekday()) + dt.timedelta(days=9)
        to_verify[(deed.organisation_id, min(week, today))].append(deed)
    for (org_id, week), batch in sorted(to_verify.items(), key=lambda kv: kv[0][1]):
        pair = verifiers.get(org_id) or []
        for verifier in pair:
            mine = [d for d in batch if d.member_id != verifier.pk and d.status == DeedStatus.PENDING]
            if not mine:
                continue
            at = timezone.make_aware(dt.datetime.combine(week, dt.time(10, 0)))
            for chunk in range(0, len(mine), 400):
                services.deed_verify_bulk(actor=verifier, deeds=mine[chunk : chunk + 400], at=at)
            for d in mine:
                d.status = DeedStatus.VERIFIED
    for deed in rejected:
        pair = [v for v in verifiers.get(deed.organisation_id, []) if v.pk != deed.member_id]
        if pair:
            services.deed_reject(
                actor=pair[0],
                deed=deed,
                reason=rng.choice(["ไม่พบหลักฐานในสมุดกลุ่ม", "วันที่ไม่ตรงกับกิจกรรม", "บันทึกซ้ำกับรายการเดิม"]),
            )
    # A few were found wrong after verification and reversed.
    verified = list(
        Deed.objects.filter(organisation_id__in=pilot, status=DeedStatus.VERIFIED, credits__gt=0)
        .select_related("organisation")
        .order_by("pk")
    )
    for deed in rng.sample(verified, k=min(6, len(verified))):
        actor = next((v for v in verifiers.get(deed.organisation_id, []) if v.pk != deed.member_id), None)
        if actor:
            services.deed_reverse(actor=actor, deed=deed, reason="ตรวจสอบภายหลังพบว่าบันทึกซ้ำ")
    _demo_member_story(demo, catalogues, verifiers, today)
    _agency_verified(demo, today)
    _gifts_and_donations(demo, rng, today)


def _demo_member_story(
    demo: Demo, catalogues: dict[int, dict[str, DeedType]], verifiers: dict[int, list[User]], today: dt.date
) -> None:
    """Malee (the demo member) has one deed in every state, and an appeal."""
    malee = User.objects.get(username="demo-member")
    council = demo.orgs["710911:council"]
    items = catalogues[council.pk]
    verifier, admin = User.objects.get(username="demo-verifier"), User.objects.get(username="demo-orgadmin")
    pending = services.deed_record_for(
        actor=admin,
        entries=[
            services.DeedInput(
                member=malee,
                deed_type=items["elder-care"],
                done_on=today - dt.timedelta(days=1),
                hours=3,
                description="พายายทองใบไปโรงพยาบาลตามนัด",
            )
        ],
    )[0]
    big = services.deed_record_for(
        actor=admin,
        entries=[
            services.DeedInput(
                member=malee,
                deed_type=items["elder-care"],
                done_on=today - dt.timedelta(days=3),
                hours=20,
                description="ดูแลผู้ป่วยติดเตียงแทนญาติตลอดสัปดาห์",
            )
        ],
    )[0]
    services.deed_verify(actor=verifier, deed=big)  # above the threshold: waits for a second approver
    lost = services.deed_record_for(
        actor=admin,
        entries=[
            services.DeedInput(
                member=malee,
                deed_type=items["return-lost-item"],
                done_on=today - dt.timedelta(days=10),
                description="เก็บโทรศัพท์ได้ที่ศาลาวัด",
            )
        ],
    )[0]
    services.deed_reject(actor=verifier, deed=lost, reason="ยังไม่มีพยานยืนยัน")
    services.appeal_file(actor=malee, deed=lost, reason="เจ้าอาวาสเป็นพยานได้ โปรดสอบถาม")
    cleanup = services.deed_record_for(
        actor=admin,
        entries=[
            services.DeedInput(member=malee, deed_type=items["health-check"], done_on=today - dt.timedelta(days=20))
        ],
    )[0]
    services.deed_verify(actor=verifier, deed=cleanup)
    services.deed_reverse(actor=verifier, deed=cleanup, reason="บันทึกซ้ำกับรายการเดือนก่อน")
    appeal = services.appeal_file(actor=malee, deed=cleanup, reason="เป็นการตรวจคนละครั้งกัน มีใบนัดสองใบ")
    services.appeal_decide(actor=admin, appeal=appeal, uphold=True, reason="ตรวจใบนัดแล้ว เป็นคนละครั้งจริง")
    assert pending.status == DeedStatus.PENDING
    assert Decision.objects.filter(deed__member=malee).exists()


# A national template that the agency verifies itself (5 credits a deed, the programme's default rate).
AGENCY_TEMPLATE = (
    "check-dam",
    "สร้างฝายชะลอน้ำร่วมกับชุมชน",
    "Building a check dam with the community",
    "ร่วมสร้างหรือซ่อมฝายชะลอน้ำที่หน่วยงานรับรองโครงการไว้ มีภาพถ่ายก่อนและหลัง",
    "occurrence",
    "",
    "photo",
    ["volunteering"],
    ["environment"],
)


def _agency_verified(demo: Demo, today: dt.date) -> None:
    """The Moral Center verifies check-dam deeds itself: the councils adopt its template, the national verifier
    decided last month's, and this week's wait in the agency queue of the Kanchanaburi verifier (demo-agency)."""
    template = _template(demo, AGENCY_TEMPLATE, verified_by="agency")
    national = User.objects.get(username="demo-national")
    for key, org in demo.orgs.items():
        if org.kind != OrgKind.COUNCIL:
            continue
        copy = services.deed_type_adopt(actor=demo.admin, template=template, organisation=org)
        people = [p for p in demo.members.get(key) or [] if p.pk != national.pk][:6]
        if key.startswith("710911"):
            people = [User.objects.get(username="demo-member"), *people[:5]]
        recorder = User.objects.get(username="demo-orgadmin") if key.startswith("710911") else demo.admin
        for n, person in enumerate(people):
            done_on = today - dt.timedelta(days=2 + n % 3 if n % 2 else 30 + n)
            deed = services.deed_record_for(
                actor=recorder,
                entries=[
                    services.DeedInput(
                        member=person, deed_type=copy, done_on=done_on, description="ซ่อมฝายชะลอน้ำห้วยบ้านเก่า"
                    )
                ],
            )[0]
            if done_on < today - dt.timedelta(days=14):
                at = timezone.make_aware(dt.datetime.combine(done_on + dt.timedelta(days=5), dt.time(10, 0)))
                services.deed_verify(actor=national, deed=deed, at=at)


def _gifts_and_donations(demo: Demo, rng: random.Random, today: dt.date) -> None:
    from thamdee.common.errors import DomainError
    from thamdee.people.services import family_link_add, family_link_confirm

    malee = User.objects.get(username="demo-member")
    people = demo.members["710911:council"]
    daughter = next(p for p in people if p.pk != malee.pk and p.birth_year and p.birth_year > 1995)
    with contextlib.suppress(DomainError):
        link = family_link_add(actor=malee, relative_mobile=daughter.mobile, relation="child")
        if link.confirmed_at is None:
            family_link_confirm(actor=daughter, link_id=link.pk)
    fund = demo.orgs["710911:fund"]
    for key, org in demo.orgs.items():
        members = demo.members.get(key) or []
        if org.kind != OrgKind.COUNCIL:
            continue
        for i, giver in enumerate(members[:10]):
            at = timezone.make_aware(
                dt.datetime.combine(today - dt.timedelta(days=rng.randint(3, 200)), dt.time(18, 30))
            )
            taker = members[(i + 3) % len(members)]
            try:
                ledger.gift_send(
                    actor=giver,
                    recipient=taker,
                    amount=rng.choice([5, 10, 20]),
                    idempotency_key=f"demo:gift:{giver.pk}:{taker.pk}",
                    message="ขอบคุณที่ช่วยกัน",
                    at=at,
                )
            except DomainError:
                continue
            if org.area.code.startswith("710911"):
                try:
                    ledger.donation_make(
                        actor=giver,
                        organisation=fund,
                        amount=rng.choice([5, 10]),
                        idempotency_key=f"demo:donation:{giver.pk}",
                        message="สมทบกองทุนสวัสดิการ",
                        at=at + dt.timedelta(minutes=5),
                    )
                except DomainError:
                    continue
    try:
        ledger.gift_send(
            actor=malee,
            recipient=daughter,
            amount=10,
            idempotency_key="demo:gift:malee:daughter",
            message="ให้ลูกไว้ใช้แลกของที่ร้านค้าชุมชน",
            at=timezone.now() - dt.timedelta(days=2),
        )
        ledger.donation_make(
            actor=malee,
            organisation=fund,
            amount=5,
            idempotency_key="demo:donation:malee",
            message="สมทบกองทุนช่วยผู้ป่วยติดเตียง",
            at=timezone.now() - dt.timedelta(days=1),
        )
    except DomainError:
        pass
