"""Example frameworks, for the demo pilot and for a new installation to start from (``thamdee assessments
install-examples``). They follow the public shape of the Moral Center's assessment (organisations: nine activities
in three levels; provinces: ten indicators in three levels; every activity scored 2, 1 or 0), in words of our own:
the agency replaces them with the wording of its own announcement in the admin before the first assessment."""

from __future__ import annotations

from django.db import transaction

from thamdee.assessments.models import Framework, Indicator, Subject

CRITERIA_TH = (
    "2: ทำแล้วครบถ้วน มีหลักฐาน และผู้บริหารกับสมาชิกตั้งแต่ร้อยละ 80 มีส่วนร่วม\n"
    "1: ทำแล้วบางส่วน หรือมีส่วนร่วมร้อยละ 50 ถึง 79\n"
    "0: ยังไม่ได้ทำ หรือมีส่วนร่วมน้อยกว่าร้อยละ 50"
)
CRITERIA_EN = (
    "2: done in full, with evidence, with at least 80% of leaders and members taking part\n"
    "1: partly done, or 50 to 79% taking part\n"
    "0: not done yet, or under 50% taking part"
)

ORGANISATION = [
    (1, "ประกาศเจตนารมณ์ร่วมกันที่จะเป็นองค์กรคุณธรรม", "Declare together the intent to become a moral organisation"),
    (1, "กำหนดคุณธรรมเป้าหมายจากปัญหาที่อยากแก้และความดีที่อยากทำ", "Set target virtues from problems to solve and good to do"),
    (1, "จัดทำแผนหรือโครงการส่งเสริมคุณธรรมตามเป้าหมาย", "Draw up a plan or project for the target virtues"),
    (2, "ดำเนินการตามแผนและบรรลุเป้าหมายที่กำหนด", "Carry out the plan and reach its targets"),
    (2, "มีคณะทำงานขับเคลื่อนและติดตามผลอย่างสม่ำเสมอ", "A working group drives the plan and follows it up regularly"),
    (2, "สมาชิกมีพฤติกรรมเปลี่ยนไปตามคุณธรรมเป้าหมาย", "Members' behaviour changes towards the target virtues"),
    (3, "ถอดบทเรียนและสร้างองค์ความรู้จากการดำเนินงาน", "Draw lessons and build knowledge from the work"),
    (3, "เป็นแหล่งเรียนรู้และขยายผลสู่องค์กรหรือชุมชนอื่น", "Serve as a learning site and spread the work to others"),
    (3, "เผยแพร่ผลงานและได้รับการยอมรับจากภายนอก", "Publish the work and be recognised from outside"),
]
PROVINCE = [
    (1, "ประกาศเจตนารมณ์ระดับจังหวัดร่วมกับภาคีเครือข่าย", "A province-wide declaration of intent with partner networks"),
    (1, "กำหนดคุณธรรมเป้าหมายของจังหวัด", "Set the province's target virtues"),
    (1, "มีแผนส่งเสริมคุณธรรมของจังหวัดและกลไกขับเคลื่อน", "A provincial plan with a body that drives it"),
    (2, "องค์กรและชุมชนในจังหวัดเข้าร่วมและประเมินตนเอง", "Organisations and communities take part and assess themselves"),
    (2, "ดำเนินการตามแผนและติดตามผลเป็นระยะ", "Carry out the plan and follow it up periodically"),
    (2, "มีองค์กรหรือชุมชนที่ผ่านระดับคุณธรรมเพิ่มขึ้น", "More organisations or communities reach the moral level"),
    (2, "ยกย่องแบบอย่างความดีในจังหวัด", "Honour exemplars of goodness in the province"),
    (3, "ถอดบทเรียนระดับจังหวัด", "Draw lessons at provincial level"),
    (3, "เป็นแหล่งเรียนรู้และขยายผลสู่จังหวัดอื่น", "Serve as a learning site for other provinces"),
    (3, "ผลลัพธ์ต่อสังคมที่วัดได้ตามคุณธรรมเป้าหมาย", "Measurable results for society on the target virtues"),
]

EXAMPLES = [
    (
        "example-organisation",
        Subject.ORGANISATION,
        "เกณฑ์ตัวอย่าง: องค์กรคุณธรรม 9 กิจกรรม 3 ระดับ",
        "Example framework: moral organisation, 9 activities, 3 levels",
        ORGANISATION,
    ),
    (
        "example-province",
        Subject.PROVINCE,
        "เกณฑ์ตัวอย่าง: จังหวัดคุณธรรม 10 ตัวชี้วัด 3 ระดับ",
        "Example framework: moral province, 10 indicators, 3 levels",
        PROVINCE,
    ),
]


@transaction.atomic
def install_examples() -> list[Framework]:
    """Install the example frameworks where a subject has no framework in use yet; returns those installed."""
    installed = []
    for code, subject, name_th, name_en, rows in EXAMPLES:
        if Framework.objects.filter(subject=subject, is_active=True).exists() or Framework.objects.filter(code=code):
            continue
        framework = Framework.objects.create(code=code, subject=subject, name_th=name_th, name_en=name_en)
        Indicator.objects.bulk_create(
            Indicator(
                framework=framework,
                number=number,
                level=level,
                title_th=title_th,
                title_en=title_en,
                criteria_th=CRITERIA_TH,
                criteria_en=CRITERIA_EN,
            )
            for number, (level, title_th, title_en) in enumerate(rows, start=1)
        )
        installed.append(framework)
    return installed
