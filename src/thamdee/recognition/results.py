"""Assessment results as Open Badges 3.0 achievements: what a result confirmed at a level achieves, and who its
credential is about (an organisation or a province, never a person). Pure functions over the assessments' models;
the writes are in ``services`` (``result_recognise``, ``results_sign``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils import translation

from thamdee.assessments.models import Assessment, Framework, Indicator, Subject
from thamdee.assessments.models import Level as ResultLevel
from thamdee.common import thaitime
from thamdee.common.parsing import ascii_int
from thamdee.recognition import credentials as vc


def result_subject(assessment: Assessment) -> tuple[str, str]:
    """Who a result's credential is about: an organisation by its opaque id (``urn:uuid:``), a province by its
    public address in the API (``/api/v1/areas/<code>/``), each with its Thai name. No person."""
    if assessment.organisation is not None:
        return f"urn:uuid:{assessment.organisation.public_id}", assessment.organisation.name_th
    province = assessment.province
    assert province is not None, "an assessment is of an organisation or a province"
    return vc.site_url() + reverse("api:area", args=[province.code]), province.display_name("th")


def result_achievement(
    framework: Framework,
    level: int,
    indicators: Sequence[Indicator],
    *,
    fiscal_year: int | None = None,
    agency_name: str = "",
) -> vc.AchievementSpec:
    """What a result confirmed at ``level`` under ``framework`` achieves (the same achievement every year, at
    ``/recognition/achievements/result/<framework code>-<level>/``); given the fiscal year and the agency, the
    credential's own name and description say which year and who confirmed it. ``indicators``: the framework's."""
    organisation = framework.subject == Subject.ORGANISATION
    with translation.override("th"):
        level_th = str(ResultLevel(level).label)
        year_th = thaitime.fiscal_year_label(fiscal_year) if fiscal_year else ""
    with translation.override("en"):
        level_en = str(ResultLevel(level).label)
        year_en = thaitime.fiscal_year_label(fiscal_year) if fiscal_year else ""
    name_th = f"{'องค์กร' if organisation else 'จังหวัด'}{level_th}"
    name_en = f"{level_en} ({'organisation' if organisation else 'province'})"
    activity = "กิจกรรม" if organisation else "ตัวชี้วัด"
    counted = [i for i in indicators if i.level <= level]
    description = f"ผ่านการประเมิน{'องค์กร' if organisation else 'จังหวัด'}คุณธรรมในระดับ “{level_th}” ตาม{framework.name_th}"
    if year_th:
        description += f" {year_th}"
    if agency_name:
        description += f" รับรองผลโดย{agency_name}"
    return vc.AchievementSpec(
        kind="result",
        code=f"{framework.code}-{level}",
        name_th=name_th,
        name_en=name_en,
        description_th=description,
        criteria_th=(
            f"ทุก{activity}ของระดับนี้และระดับก่อนหน้าตาม{framework.name_th} ได้คะแนนอย่างน้อย {framework.pass_score} "
            f"จาก 2 และหน่วยงานที่รับผิดชอบรับรองผล: " + "; ".join(f"{i.number}. {i.title_th}" for i in counted)
        ),
        achievement_type="Award",
        tags=("thamdee", "assessment", framework.subject, f"level-{level}"),
        award_th=f"{name_th} {year_th}".strip(),
        award_en=f"{name_en} {year_en}".strip(),
    )


def parse_code(code: str) -> tuple[str, int] | None:
    """``<framework code>-<level>`` (the achievement's code in its URL) as (framework code, level 1 to 3)."""
    framework_code, _sep, level = code.rpartition("-")
    if not framework_code or ascii_int(level, max_digits=2) not in ResultLevel.values or not int(level):
        return None
    return framework_code, int(level)
