# mypy: disable-error-code="arg-type,attr-defined,misc,union-attr,assignment"
"""Step: recognition. Levels and badges for everyone with verified deeds (most were already awarded by the deeds
hook while the deeds step verified them; this catches the rest), one provincial exemplar round in Kanchanaburi with
a panel of four (one of whom has a conflict of interest with the Nong Sarai council), a consented and a declined
nominee, and the demo member's certificates rendered so that they can be downloaded at once.

Idempotent: the round is found again by its agency, year, level and area; everything after its creation runs only
when it is new; certificates that are ready are not made again.
"""

from __future__ import annotations

from django.db import transaction

from thamdee.areas.models import Area
from thamdee.common.thaitime import be_year, current_fiscal_year
from thamdee.deeds.models import Deed, DeedStatus
from thamdee.people.models import ConsentPurpose, User
from thamdee.people.services import consent_active, consent_grant
from thamdee.recognition import services
from thamdee.recognition.models import CertificateStatus, Credential, ExemplarRound, HonourLevel
from thamdee.recognition.permissions import has_conflict
from thamdee.web.demo.base import Demo

CRITERIA = [
    ("ทำความดีต่อเนื่องและสม่ำเสมอ มีหลักฐานในระบบ", 10),
    ("เป็นแบบอย่างและสร้างแรงบันดาลใจแก่คนในชุมชน", 10),
    ("ประโยชน์ที่เกิดกับผู้อื่นและชุมชน", 10),
]


def _round(demo: Demo) -> None:
    staff = User.objects.get(username="demo-agency")
    agency = demo.agencies["ศูนย์คุณธรรม"]
    kanchanaburi = Area.objects.get(code="71")
    year = current_fiscal_year()
    if ExemplarRound.objects.filter(
        agency=agency, fiscal_year=year, level=HonourLevel.PROVINCE, area=kanchanaburi
    ).exists():
        return
    round_ = services.round_create(
        actor=staff,
        agency=agency,
        fiscal_year=year,
        level=HonourLevel.PROVINCE,
        area=kanchanaburi,
        title_th=f"คัดเลือกแบบอย่างความดีจังหวัดกาญจนบุรี ปีงบประมาณ {be_year(year)}",
        title_en=f"Kanchanaburi exemplars of goodness, FY{be_year(year)}",
        criteria=[services.CriterionInput(text_th=t, max_score=s) for t, s in CRITERIA],
    )
    national = User.objects.get(username="demo-national")
    verifier = User.objects.get(username="demo-verifier")  # a member of the Nong Sarai council: a conflict
    other_sub = demo.members["710901:council"][0]
    khon_kaen = demo.members["402401:council"][0]
    panel = [national, other_sub, khon_kaen, verifier]
    services.panel_set(actor=staff, round=round_, members=panel)

    org_admin = User.objects.get(username="demo-orgadmin")
    malee = User.objects.get(username="demo-member")
    council, savings = demo.orgs["710911:council"], demo.orgs["710911:savings"]
    saver = next(p for p in demo.members["710911:savings"] if p.pk != malee.pk and p.username.endswith("-04"))
    chosen = services.nomination_submit(
        actor=org_admin,
        round=round_,
        organisation=council,
        nominee=malee,
        category="volunteering",
        reasons="ดูแลผู้สูงอายุติดบ้านในหมู่บ้านทุกสัปดาห์ตลอดปี บันทึกชั่วโมงจิตอาสามากที่สุดของตำบล",
        evidence="สมุดบันทึกธนาคารเวลา และคำรับรองของ อสม. หมู่ 1",
        public_story="ป้ามาลีพาผู้สูงอายุไปหาหมอตามนัดทุกเดือน และชวนเพื่อนบ้านมาเป็นจิตอาสาดูแลกันเอง",
    )
    declined = services.nomination_submit(
        actor=org_admin,
        round=round_,
        organisation=savings,
        nominee=saver,
        category="sufficiency",
        reasons="ออมกับกลุ่มครบทุกเดือน ทำบัญชีครัวเรือน และลดรายจ่ายฟุ่มเฟือยได้ต่อเนื่อง",
        evidence="สมุดกลุ่มออมทรัพย์ บัญชีครัวเรือน",
        public_story="ออมวันละนิดจนปลดหนี้นอกระบบได้",
    )
    other_org = demo.orgs["710901:council"]
    other_admin = User.objects.filter(
        memberships__organisation=other_org, memberships__is_organiser=True
    ).first() or User.objects.get(username="demo-admin")
    not_chosen = services.nomination_submit(
        actor=other_admin,
        round=round_,
        organisation=other_org,
        nominee=demo.members["710901:council"][5],
        category="volunteering",
        reasons="ร่วมกิจกรรมจิตอาสาพัฒนาชุมชนทุกเดือน",
    )
    services.round_close_nominations(actor=staff, round=round_)
    for judge in panel:
        for nomination, marks in ((chosen, (9, 10, 9)), (declined, (8, 8, 9)), (not_chosen, (7, 6, 7))):
            if has_conflict.test(judge, nomination):
                continue  # the Nong Sarai verifier sits in the council and the savings group: she does not score them
            services.score_submit(
                actor=judge,
                nomination=nomination,
                scores={f"c{i}": mark for i, mark in enumerate(marks, start=1)},
                comment="ผลงานชัดเจน มีหลักฐานในระบบ",
            )
    honour = services.nomination_select(actor=staff, nomination=chosen)
    if not consent_active(malee, ConsentPurpose.PUBLISH_NAME):  # the roll names her only with her profile's consent
        consent_grant(actor=malee, user=malee, purpose=ConsentPurpose.PUBLISH_NAME)
    services.honour_consent(actor=malee, honour=honour, show_name=True, show_photo=False, show_story=True)
    second = services.nomination_select(actor=staff, nomination=declined)
    services.honour_decline(actor=saver, honour=second)
    services.round_decide(actor=staff, round=round_)


def _certificates() -> None:
    """The demo member's credentials get their PDFs now (the site's worker would make them on request)."""
    for credential in Credential.objects.filter(member__username="demo-member", revoked_at__isnull=True).order_by(
        "issued_at"
    ):
        if credential.certificate_status != CertificateStatus.READY:
            services.certificate_render(public_id=str(credential.public_id))


def run(demo: Demo) -> None:
    with transaction.atomic():
        services.badge_definitions_ensure()
        members = set(Deed.objects.filter(status=DeedStatus.VERIFIED).values_list("member_id", flat=True).distinct())
        services.recognition_recompute(member_ids=members)
        _round(demo)
    _certificates()
