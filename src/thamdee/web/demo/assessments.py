"""Step: the yearly assessment. The example frameworks; the Nong Sarai council's result of last fiscal year
(คุณธรรม, confirmed by the Kanchanaburi culture office, demo-agency) and this year's self-assessment under way, for
its admin (demo-orgadmin) to finish and submit; two organisations of the other pilot subdistrict in Kanchanaburi
whose results of this year wait in demo-agency's queue; and Kanchanaburi's own result of last year, submitted by
demo-agency and confirmed by national staff (demo-national). Both confirmed results end signed as Open Badges 3.0
credentials by the agencies that confirmed them.

The council's results carry evidence files (a photo of the day and PDF plans and minutes, drawn here).
Everything goes through the services. Idempotent: an assessment is made, scored and moved along only when its
subject has none for that year, so a second run (or what someone did in the demo since) is left as it is.
"""

from __future__ import annotations

from django.db import transaction

from thamdee.areas.models import Area
from thamdee.assessments import services
from thamdee.assessments.frameworks import install_examples
from thamdee.assessments.models import Assessment
from thamdee.common.thaitime import be_year, current_fiscal_year
from thamdee.orgs import services as orgs
from thamdee.orgs.models import Membership, Organisation, Role
from thamdee.people.models import User
from thamdee.recognition.services import results_sign
from thamdee.web.demo.base import Demo

Scores = dict[int, tuple[int | None, str]]
Files = list[tuple[int, str, bytes]]  # (activity number, file name, content)


def _document(title: str, lines: list[str]) -> bytes:
    """A one-page Thai PDF, as an organisation would scan or print its minutes and plans (WeasyPrint, Sarabun)."""
    from django.utils.html import escape
    from weasyprint import HTML

    from thamdee.common.pdf import font_css

    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    html = (
        f"<style>{font_css()} body {{ font-family: Sarabun; font-size: 14pt }} h1 {{ font-size: 18pt }}</style>"
        f"<h1>{escape(title)}</h1>{body}"
    )
    return HTML(string=html).write_pdf()


def _photo(seed: int) -> bytes:
    """A stand-in for a photo of the day: a sky, a field and people as coloured shapes (no text: the demo's
    pictures are not real people)."""
    import io
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (960, 640), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 400, 960, 640), fill=(95, 160, 80))
    for _ in range(14):
        x, y = rng.randint(40, 900), rng.randint(380, 520)
        colour = (rng.randint(120, 255), rng.randint(60, 200), rng.randint(40, 160))
        draw.ellipse((x, y - 70, x + 34, y - 36), fill=(225, 185, 150))
        draw.rectangle((x - 4, y - 36, x + 38, y + 40), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _council_files(year: int) -> Files:
    return [
        (1, "ภาพวันประกาศเจตนารมณ์.jpg", _photo(year)),
        (
            3,
            f"แผนส่งเสริมคุณธรรม-{be_year(year)}.pdf",
            _document(
                f"แผนส่งเสริมคุณธรรม สภาองค์กรชุมชนตำบลหนองสาหร่าย ปีงบประมาณ {be_year(year)}",
                [
                    "คุณธรรมเป้าหมาย: พอเพียง (ออมและลดหนี้) จิตอาสา (ดูแลผู้สูงอายุ) สุจริต (บัญชีกองทุนโปร่งใส)",
                    "กิจกรรม 10 รายการ: ธนาคารความดี ตลาดนัดปลอดเหล้า เยี่ยมบ้านผู้สูงอายุเดือนละครั้ง ออมวันละบาท บัญชีครัวเรือน และอื่น ๆ",
                    "ผู้รับผิดชอบ: คณะทำงาน 9 คนจากสภาฯ กลุ่มออมทรัพย์ และ อสม.",
                    "ผ่านมติที่ประชุมสภาองค์กรชุมชนตำบล",
                ],
            ),
        ),
        (
            5,
            "บันทึกการประชุมคณะทำงาน.pdf",
            _document(
                "บันทึกการประชุมคณะทำงานส่งเสริมคุณธรรม",
                [
                    "ผู้มาประชุม 9 คน ผู้ไม่มาประชุม - คน",
                    "วาระที่ 1 ติดตามกิจกรรมธนาคารความดี: สมาชิกบันทึกความดีเพิ่มขึ้น ผู้รับรองตรวจครบทุกรายการ",
                    "วาระที่ 2 เลื่อนตลาดนัดปลอดเหล้าไปปีหน้า เพราะตรงกับงานประจำปีของวัด",
                    "เลิกประชุมเวลา 16.30 น.",
                ],
            ),
        ),
    ]


def _council_last_year(year: int) -> Scores:
    """Nong Sarai's year: levels 1 and 2 met, level 3 only begun: the level คุณธรรม."""
    return {
        1: (2, "ประกาศเจตนารมณ์ในเวทีประชุมสภาองค์กรชุมชนตำบล ผู้แทนครบทั้ง 6 หมู่บ้านร่วมลงนาม มีรายงานการประชุมและภาพถ่าย"),
        2: (2, "เวทีประชาคมเลือกคุณธรรมเป้าหมาย 3 ข้อ: พอเพียง (ออมและลดหนี้) จิตอาสา (ดูแลผู้สูงอายุ) สุจริต (บัญชีกองทุนโปร่งใส)"),
        3: (2, f"แผนส่งเสริมคุณธรรมตำบลหนองสาหร่าย ปี {be_year(year)} และโครงการธนาคารความดี ผ่านมติที่ประชุมสภาฯ"),
        4: (1, "ทำได้ 7 จาก 10 กิจกรรมตามแผน ตลาดนัดปลอดเหล้าเลื่อนไปปีหน้า"),
        5: (2, "คณะทำงาน 9 คนจากสภาฯ กลุ่มออมทรัพย์ และ อสม. ประชุมติดตามทุกเดือน มีบันทึกการประชุม 11 ครั้ง"),
        6: (1, "สมาชิกที่ออมกับกลุ่มสม่ำเสมอเพิ่มจาก 142 เป็น 186 คน ยังไม่ได้สำรวจพฤติกรรมด้านอื่นครบทุกหมู่บ้าน"),
        7: (1, "ถอดบทเรียนธนาคารความดีร่วมกับศูนย์คุณธรรม 1 ครั้ง ยังไม่ได้ทำเป็นเอกสาร"),
        8: (0, "มีคณะศึกษาดูงานจากตำบลอื่นมาเยี่ยม 2 คณะ ยังไม่ได้เปิดเป็นแหล่งเรียนรู้"),
        9: (0, ""),
    }


def _council_this_year(year: int) -> Scores:
    """The first activities of this year, scored at the council's October meeting; the rest is for its admin."""
    return {
        1: (2, "ทบทวนเจตนารมณ์ในการประชุมสภาฯ เดือนตุลาคม ผู้แทนหมู่บ้านมาครบ 6 หมู่"),
        2: (2, "คงคุณธรรมเป้าหมายเดิม 3 ข้อ เพิ่มการคัดแยกขยะตามข้อเสนอของกลุ่มเยาวชน"),
        3: (1, f"ร่างแผนปี {be_year(year)} แล้ว รอมติที่ประชุมสภาฯ เดือนหน้า"),
    }


# The two organisations of the other pilot subdistrict (710901) waiting for the province: (organisation, scores).
WAITING: list[tuple[str, Scores]] = [
    (
        "710901:council",
        {
            1: (2, "ประกาศเจตนารมณ์ในวันประชุมใหญ่ประจำปีของสภาองค์กรชุมชน มีภาพถ่ายและรายชื่อผู้ร่วมลงนาม"),
            2: (2, "คุณธรรมเป้าหมาย: จิตอาสาและความกตัญญู จากเวทีประชาคมทั้งตำบล"),
            3: (1, "มีโครงการจิตอาสาพัฒนาวัดและโรงเรียน ยังไม่ได้ทำเป็นแผนทั้งปี"),
            4: (1, "จัดกิจกรรมจิตอาสาแล้ว 6 ครั้ง จาก 12 ครั้งที่ตั้งไว้"),
            5: (0, "ยังไม่ได้ตั้งคณะทำงาน"),
            6: (1, "ผู้เข้าร่วมกิจกรรมจิตอาสาเพิ่มจากครั้งละ 15 เป็น 40 คน"),
            7: (0, ""),
            8: (0, ""),
            9: (0, ""),
        },
    ),
    (
        "710901:savings",
        {
            1: (2, "กรรมการและสมาชิกประกาศเจตนารมณ์ในวันประชุมใหญ่ ลงนามครบทุกคน"),
            2: (2, "คุณธรรมเป้าหมาย: พอเพียง ซื่อสัตย์ ออมอย่างน้อยเดือนละ 20 บาท"),
            3: (2, "แผนส่งเสริมการออมและการทำบัญชีครัวเรือน ผ่านมติที่ประชุมกรรมการ"),
            4: (2, "ทำครบตามแผน สมาชิกออมครบทุกเดือนร้อยละ 84"),
            5: (1, "กรรมการติดตามทุกไตรมาส มีบันทึกการประชุม 3 ครั้ง"),
            6: (2, "สมาชิกที่ทำบัญชีครัวเรือนเพิ่มจาก 20 เป็น 61 คน หนี้นอกระบบของสมาชิกลดลง"),
            7: (1, "ถอดบทเรียนในวันประชุมใหญ่ มีสรุปหนึ่งหน้า"),
            8: (0, ""),
            9: (0, ""),
        },
    ),
]


def _province_last_year(year: int) -> Scores:
    """Kanchanaburi's year: levels 1 and 2 met, level 3 not yet: the level คุณธรรม."""
    return {
        1: (2, "ผู้ว่าราชการจังหวัดและภาคีเครือข่าย 32 หน่วยงานร่วมประกาศเจตนารมณ์ ณ ศาลากลางจังหวัด"),
        2: (2, "คุณธรรมเป้าหมายของจังหวัด: พอเพียง วินัย สุจริต จิตอาสา ตามมติคณะกรรมการส่งเสริมคุณธรรมจังหวัด"),
        3: (2, f"แผนส่งเสริมคุณธรรมจังหวัดกาญจนบุรี ปี {be_year(year)} มีคณะกรรมการขับเคลื่อนตามคำสั่งจังหวัด"),
        4: (2, "องค์กรในจังหวัด 214 แห่งประเมินตนเอง ในนั้นชุมชนนำร่อง 2 ตำบลใช้ระบบบันทึกความดี"),
        5: (1, "ติดตามผลรายไตรมาส 3 ครั้งจาก 4 ครั้ง"),
        6: (1, "องค์กรที่ผ่านระดับคุณธรรมเพิ่มจาก 38 เป็น 45 แห่ง"),
        7: (2, "มอบเกียรติบัตรแบบอย่างความดีระดับจังหวัด 12 คน 3 องค์กร"),
        8: (1, "ถอดบทเรียนธนาคารความดีหนองสาหร่ายร่วมกับศูนย์คุณธรรม"),
        9: (0, "ยังไม่มีจังหวัดอื่นมาศึกษาดูงาน"),
        10: (0, ""),
    }


def _login(demo: Demo, username: str) -> User:
    for user in demo.logins.values():
        if user.username == username:
            return user
    return User.objects.get(username=username)


def _admin_of(demo: Demo, key: str) -> User | None:
    """The organisation's admin: the one it has, or else (no one runs it in the demo) its organiser, or its first
    member, made admin by the site admin."""
    org = demo.orgs[key]
    admin = (
        User.objects.filter(memberships__organisation=org, memberships__is_active=True, memberships__is_admin=True)
        .order_by("pk")
        .first()
    )
    if admin is not None:
        return admin
    active = Membership.objects.filter(organisation=org, is_active=True).select_related("user", "organisation")
    membership = active.filter(is_organiser=True).order_by("pk").first()
    if membership is None:
        people = [p.pk for p in demo.members.get(key) or []]
        membership = active.filter(user_id__in=people[:1]).first()
    if membership is None or demo.admin is None:
        return None
    roles = [role for role in Role.values if getattr(membership, f"is_{role}")]
    orgs.membership_set_roles(actor=demo.admin, membership=membership, roles=[*roles, Role.ADMIN])
    return membership.user


def _assess(
    *,
    year: int,
    filler: User,
    scores: Scores,
    submit: bool = False,
    reviewer: User | None = None,
    note: str = "",
    organisation: Organisation | None = None,
    province: Area | None = None,
    files: Files | None = None,
) -> None:
    """Open, score, keep its evidence files and (optionally) submit and confirm the year's assessment of a subject
    that has none yet."""
    if Assessment.objects.filter(fiscal_year=year, organisation=organisation, province=province).exists():
        return
    assessment = services.assessment_open(actor=filler, organisation=organisation, province=province, fiscal_year=year)
    services.assessment_score(actor=filler, assessment=assessment, scores=scores)
    for number, name, data in files or []:
        services.assessment_evidence_add(actor=filler, assessment=assessment, number=number, data=data, filename=name)
    if submit:
        assessment = services.assessment_submit(actor=filler, assessment=assessment)
    if reviewer is not None:
        services.assessment_review(actor=reviewer, assessment=assessment, confirm=True, note=note)


@transaction.atomic
def run(demo: Demo) -> None:
    install_examples()
    this_year = current_fiscal_year()
    last_year = this_year - 1
    council = demo.orgs["710911:council"]
    org_admin = _login(demo, "demo-orgadmin")
    province_staff = _login(demo, "demo-agency")
    national_staff = _login(demo, "demo-national")

    _assess(
        organisation=council,
        year=last_year,
        filler=org_admin,
        scores=_council_last_year(last_year),
        files=_council_files(last_year),
        submit=True,
        reviewer=province_staff,
        note="ลงพื้นที่ดูเอกสารและพูดคุยกับคณะทำงานแล้ว หลักฐานตรงตามที่รายงาน ปีหน้าขอให้ถอดบทเรียนเป็นเอกสาร เพื่อก้าวสู่ระดับคุณธรรมต้นแบบ",
    )
    _assess(
        organisation=council,
        year=this_year,
        filler=org_admin,
        scores=_council_this_year(this_year),
        files=[(1, "ประชุมสภาเดือนตุลาคม.jpg", _photo(this_year))],
    )
    for key, scores in WAITING:
        admin = _admin_of(demo, key)
        if admin is not None:
            _assess(organisation=demo.orgs[key], year=this_year, filler=admin, scores=scores, submit=True)
    _assess(
        province=Area.objects.get(code="71"),
        year=last_year,
        filler=province_staff,
        scores=_province_last_year(last_year),
        submit=True,
        reviewer=national_staff,
        note="ตรวจรายงานและหลักฐานประกอบแล้ว รับรองผลระดับคุณธรรม",
    )
    # The confirmations above are signed as they happen (recognition's hook); a demo made before results were
    # signed gets its credentials here.
    results_sign()
