"""Step: the plan's KPI baselines, target areas for the current fiscal year, and good-practice stories."""

from __future__ import annotations

from thamdee.areas.models import Area
from thamdee.common.thaitime import current_fiscal_year
from thamdee.people.models import ConsentPurpose, User
from thamdee.people.services import consent_active, consent_grant
from thamdee.reports import services
from thamdee.reports.models import KpiBaseline, KpiKind, Story, StoryStatus
from thamdee.web.demo.base import Demo

STORIES = [
    (
        "710911:savings",
        "ธนาคารความดีหนองสาหร่าย: ออมเงินควบคู่ทำความดี",
        "สมาชิกที่ทำความดีครบตามเกณฑ์ 22 ข้อ กู้ยืมได้ไม่มีดอกเบี้ยจากกองทุนหมู่บ้าน",
        "กลุ่มออมทรัพย์เพื่อการผลิตตำบลหนองสาหร่ายเริ่มบันทึกความดีคู่กับสมุดเงินฝาก ทุกเดือนกรรมการตรวจสมุดออม "
        "บัญชีครัวเรือน และการรักษาศีล สมาชิกที่ทำครบตามเกณฑ์ได้สิทธิ์กู้ยืมโดยไม่เสียดอกเบี้ย "
        "ผลคือรายจ่ายฟุ่มเฟือยในหมู่บ้านลดลง และเงินออมของกลุ่มเพิ่มขึ้นทุกปี",
        "ความดีที่วัดได้ชัดเจนทำให้สมาชิกเห็นผลและตรวจสอบกันเองได้ เริ่มจากเกณฑ์ไม่กี่ข้อแล้วค่อยเพิ่ม",
        ["sufficiency", "discipline"],
        ["economy"],
    ),
    (
        "402401:council",
        "ธนาคารเวลาบ้านแฮด: หนึ่งชั่วโมงดูแลผู้สูงอายุ หนึ่งหน่วยเวลา",
        "อาสาสมัครบันทึกชั่วโมงดูแลผู้สูงอายุติดบ้านติดเตียง และมอบหน่วยเวลาให้ครอบครัว",
        "สภาองค์กรชุมชนตำบลบ้านแฮดจับคู่อาสาสมัครกับผู้สูงอายุที่อยู่ลำพัง อาสาสมัครบันทึกชั่วโมงผ่านโทรศัพท์ "
        "ญาติหรือผู้สูงอายุยืนยัน ผู้ประสานงานรับรองทุกสัปดาห์ หน่วยเวลาที่สะสมมอบให้พ่อแม่ของตนได้",
        "การยืนยันโดยผู้รับบริการทำให้ความเชื่อถือสูง ควรมีผู้ประสานงานประจำหมู่บ้าน",
        ["volunteering", "gratitude"],
        ["health", "society"],
    ),
    (
        "550501:council",
        "ปัวคัดแยกขยะ: รณรงค์ช่วงปีใหม่ได้เครดิตสองเท่า",
        "ครัวเรือนคัดแยกขยะครบทั้งเดือน ถ่ายภาพจุดคัดแยกส่งผ่านระบบ",
        "ตำบลปัวเป็นพื้นที่เป้าหมายปีงบประมาณ 2570 ครัวเรือนที่คัดแยกขยะครบทั้งเดือนได้เครดิต ช่วงรณรงค์ปีใหม่ได้สองเท่า "
        "ขยะที่ส่งไปบ่อฝังกลบลดลงอย่างเห็นได้ชัด ร้านค้าชุมชนรับแลกเครดิตเป็นส่วนลดสินค้า",
        "ภาพถ่ายจุดคัดแยกเป็นหลักฐานที่ง่ายสำหรับทุกวัย",
        ["discipline"],
        ["environment"],
    ),
]


def run(demo: Demo) -> None:
    national = User.objects.get(username="demo-national")
    admin = demo.admin or User.objects.get(username="demo-admin")
    for kind, year, value, note in (
        (KpiKind.ORGS_RUNNING, 2023, 18, "จำนวนองค์กรและเครือข่ายที่ใช้ระบบเครดิตสังคม ปีงบประมาณ 2566 (ข้อมูลตัวอย่าง)"),
        (KpiKind.NETWORKS_ACTIVE, 2022, 3, "เครือข่ายที่ร่วมกิจกรรมสาธารณะ ปีงบประมาณ 2565 (ข้อมูลตัวอย่าง)"),
    ):
        if not KpiBaseline.objects.filter(kind=kind).exists():
            services.kpi_baseline_set(actor=national, kind=kind, fiscal_year=year, value=value, note=note)
    year = current_fiscal_year()
    for code in ("7109", "5505"):
        for fy in (year - 1, year):
            services.target_area_designate(
                actor=national,
                programme=demo.programme,  # type: ignore[attr-defined]
                fiscal_year=fy,
                area=Area.objects.get(code=code),
                note="พื้นที่เป้าหมายโครงการนำร่อง",
            )
    from thamdee.deeds.models import Dimension, Virtue

    for key, title, summary, body, lessons, virtues, dimensions in STORIES:
        org = demo.orgs[key]
        if Story.objects.filter(organisation=org, title=title).exists():
            continue
        writer = User.objects.filter(memberships__organisation=org, memberships__is_organiser=True).first() or admin
        shown = (demo.members.get(key) or [])[:2]
        for person in shown:
            if not consent_active(person, ConsentPurpose.PUBLISH_NAME):
                consent_grant(actor=person, user=person, purpose=ConsentPurpose.PUBLISH_NAME)
        story = services.story_save(
            actor=admin,
            organisation=org,
            title=title,
            summary=summary,
            body=body,
            lessons=lessons,
            area=org.area,
            people_shown=shown,
            virtues=list(Virtue.objects.filter(code__in=virtues)),
            dimensions=list(Dimension.objects.filter(code__in=dimensions)),
        )
        story.written_by = writer
        story.save(update_fields=["written_by"])
        services.story_submit(actor=admin, story=story)
        if key != "550501:council":  # one stays waiting for the agency's approval
            services.story_review(actor=national, story=story, approve=True, note="เผยแพร่ได้")
    assert Story.objects.filter(status=StoryStatus.APPROVED).exists()
