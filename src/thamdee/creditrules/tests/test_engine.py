"""The credit rules engine, without a database: worked examples per rule type, refusals of bad rule documents,
and Hypothesis properties (never negative, caps respected, deterministic, multipliers only add, no retroactivity).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thamdee.creditrules.engine import (
    MAX_APPEAL_DAYS,
    MAX_AWARD,
    MAX_CREDITS,
    MAX_FACTOR,
    MAX_LIFETIME_CREDITS,
    MAX_MULTIPLIERS,
    UNITS,
    Award,
    DeedFacts,
    History,
    Level,
    Line,
    RuleDocumentError,
    Rules,
    RuleSet,
    compute_award,
    describe_rules,
    level_for,
    parse_rules,
)

PROGRAMME_TH = "กติการะดับโครงการ ฉบับที่ 2"
PROGRAMME_EN = "Programme rules, version 2"
PROGRAMME_V = 12
LOCAL_TH = "กติกาท้องถิ่น บ้านหนองสาหร่าย ฉบับที่ 1"
LOCAL_EN = "Local rules of Ban Nong Sarai, version 1"
LOCAL_V = 30
EFFECTIVE = dt.date(2026, 10, 1)  # 1/10/2569 in the Buddhist Era
DAY = dt.date(2026, 11, 16)  # 16/11/2569
AREA = "71090101"  # a village in Kanchanaburi: province 71, district 7109, subdistrict 710901


def programme(doc: dict[str, Any], *, version_id: int = PROGRAMME_V, effective_from: dt.date = EFFECTIVE) -> RuleSet:
    return RuleSet(PROGRAMME_TH, PROGRAMME_EN, version_id, effective_from, parse_rules(doc))


def local(doc: dict[str, Any], *, version_id: int = LOCAL_V, effective_from: dt.date = EFFECTIVE) -> RuleSet:
    return RuleSet(LOCAL_TH, LOCAL_EN, version_id, effective_from, parse_rules(doc))


def facts(**changes: Any) -> DeedFacts:
    values: dict[str, Any] = {
        "deed_type": "elder-care",
        "deed_type_name_th": "ดูแลผู้สูงอายุ",
        "deed_type_name_en": "Elder care",
        "unit": "hour",
        "quantity": 2.0,
        "done_on": DAY,
        "area_code": AREA,
        "virtues": (),
    }
    values.update(changes)
    return DeedFacts(**values)


def rate(deed_type: str = "elder-care", per: str = "hour", credits: int = 5, rid: str = "r1") -> dict[str, Any]:
    return {"id": rid, "deed_type": deed_type, "per": per, "credits": credits}


def line(award: Award, rule: str) -> Line:
    """The one line of the award whose rule key is ``rule``."""
    found = [x for x in award.lines if x.rule == rule]
    assert len(found) == 1, f"expected one line {rule!r} in {[x.rule for x in award.lines]}"
    return found[0]


def rule_keys(award: Award) -> list[str]:
    return [x.rule for x in award.lines]


def assert_total(award: Award, credits: int) -> None:
    assert award.credits == credits
    assert isinstance(award.credits, int)
    total = award.lines[-1]
    assert total.rule == "total"
    assert total.value == credits
    assert total.text_en == f"Total {credits:,} credits"
    assert total.text_th == f"รวม {credits:,} เครดิต"


# --- worked examples: rates -----------------------------------------------------------------------------------


class TestRates:
    def test_per_hour_names_the_rule_and_the_version_in_both_languages(self):
        # Given the programme's version 12 gives 5 credits per hour of elder care
        rules = [programme({"rates": [rate()]})]
        # When a member gives 2 hours of care
        award = compute_award(facts(quantity=2), rules)
        # Then 10 credits, and the explanation names the rule r1 of version 12, in Thai and English
        assert_total(award, 10)
        assert rule_keys(award) == [f"rate:r1@v{PROGRAMME_V}", "total"]
        rate_line = line(award, "rate:r1@v12")
        assert rate_line.value == 10
        assert rate_line.text_th == f'{PROGRAMME_TH} (มีผล 1/10/2569): "ดูแลผู้สูงอายุ" 5 เครดิตต่อชั่วโมง × 2 = 10'
        assert rate_line.text_en == f'{PROGRAMME_EN} (from 2026-10-01): "Elder care" 5 credits per hour × 2 = 10'
        assert award.version_ids == (PROGRAMME_V,)
        assert award.text("en") == [rate_line.text_en, "Total 10 credits"]
        assert award.text("th") == [rate_line.text_th, "รวม 10 เครดิต"]
        assert award.as_json()[0] == {
            "rule": "rate:r1@v12",
            "th": rate_line.text_th,
            "en": rate_line.text_en,
            "value": 10,
        }

    @pytest.mark.parametrize(("quantity", "credits"), [(3, 15), (1, 5), (0, 5), (0.5, 5), (-2, 5)])
    def test_per_occurrence_counts_the_times_and_is_at_least_once(self, quantity, credits):
        rules = [programme({"rates": [rate("waste-sorting", "occurrence", 5)]})]
        award = compute_award(facts(deed_type="waste-sorting", unit="occurrence", quantity=quantity), rules)
        assert_total(award, credits)
        rate_line = line(award, "rate:r1@v12")
        assert "5 credits per time ×" in rate_line.text_en
        assert "5 เครดิตต่อครั้ง ×" in rate_line.text_th
        assert rate_line.text_en.endswith(f"= {credits}")

    def test_per_hour_rounds_down_and_says_so(self):
        # 5 credits per hour for 1.5 hours is 7.5: the member gets 7, and a line says it was rounded down
        award = compute_award(facts(quantity=1.5), [programme({"rates": [rate()]})])
        assert_total(award, 7)
        assert line(award, "rate:r1@v12").text_en.endswith("5 credits per hour × 1.5 = 7.5")
        rounding = line(award, "rounding")
        assert rounding.value == 7
        assert rounding.text_en == "Rounded down to a whole number: 7"
        assert rounding.text_th == "ปัดเศษลงเป็นจำนวนเต็ม: 7"
        assert rule_keys(award) == ["rate:r1@v12", "rounding", "total"]

    def test_per_hour_with_whole_result_needs_no_rounding_line(self):
        award = compute_award(facts(quantity=2.25), [programme({"rates": [rate(credits=4)]})])
        assert_total(award, 9)
        assert "rounding" not in rule_keys(award)

    @pytest.mark.parametrize("hours", [0, -3])
    def test_no_hours_or_negative_hours_give_nothing_never_less(self, hours):
        award = compute_award(facts(quantity=hours), [programme({"rates": [rate()]})])
        assert_total(award, 0)

    @pytest.mark.parametrize("quantity", [1, 3, 0, 12.5])
    def test_per_period_always_counts_one(self, quantity):
        rules = [programme({"rates": [rate("savings-20", "period", 10)]})]
        award = compute_award(facts(deed_type="savings-20", unit="period", quantity=quantity), rules)
        assert_total(award, 10)
        assert line(award, "rate:r1@v12").text_en.endswith("10 credits per period × 1 = 10")
        assert "10 เครดิตต่อรอบ × 1 = 10" in line(award, "rate:r1@v12").text_th

    @pytest.mark.parametrize(("per_point", "points", "credits"), [(2, 7.5, 15), (3, 7.5, 22), (4, 5, 20)])
    def test_per_percent_counts_percentage_points(self, per_point, points, credits):
        rules = [programme({"rates": [rate("spend-less", "percent", per_point)]})]
        award = compute_award(facts(deed_type="spend-less", unit="percent", quantity=points), rules)
        assert_total(award, credits)
        assert f"{per_point} credits per percentage point × " in line(award, "rate:r1@v12").text_en
        assert f"{per_point} เครดิตต่อจุดร้อยละ × " in line(award, "rate:r1@v12").text_th
        assert ("rounding" in rule_keys(award)) == (per_point * points != credits)

    def test_default_rate_for_the_unit_when_no_rate_names_the_deed_type(self):
        rules = [programme({"rates": [rate("waste-sorting", "occurrence", 9)], "default_rates": {"hour": 3}})]
        award = compute_award(facts(quantity=2), rules)
        assert_total(award, 6)
        assert rule_keys(award) == ["rate:default-hour@v12", "total"]
        assert "3 credits per hour × 2 = 6" in line(award, "rate:default-hour@v12").text_en

    def test_default_rate_for_another_unit_does_not_apply(self):
        rules = [programme({"default_rates": {"occurrence": 3}})]
        award = compute_award(facts(unit="hour"), rules)
        assert_total(award, 0)
        assert rule_keys(award) == ["rate:none", "total"]

    def test_the_local_rate_wins_over_the_programme_rate_for_the_same_deed_type(self):
        rules = [programme({"rates": [rate(credits=5)]}), local({"rates": [rate(credits=8, rid="L1")]})]
        award = compute_award(facts(quantity=2), rules)
        assert_total(award, 16)
        assert rule_keys(award) == [f"rate:L1@v{LOCAL_V}", "total"]
        assert line(award, "rate:L1@v30").text_th.startswith(f"{LOCAL_TH} (มีผล 1/10/2569)")
        assert line(award, "rate:L1@v30").text_en.startswith(f"{LOCAL_EN} (from 2026-10-01)")
        assert award.version_ids == (PROGRAMME_V, LOCAL_V)

    def test_the_programme_rate_applies_where_the_local_rulebook_is_silent(self):
        rules = [programme({"rates": [rate(credits=5)]}), local({"rates": [rate("waste-sorting", "occurrence", 2)]})]
        award = compute_award(facts(quantity=2), rules)
        assert_total(award, 10)
        assert rule_keys(award) == ["rate:r1@v12", "total"]

    def test_the_local_default_rate_wins_over_the_programme_default_rate(self):
        rules = [programme({"default_rates": {"hour": 3}}), local({"default_rates": {"hour": 4}})]
        award = compute_award(facts(quantity=2), rules)
        assert_total(award, 8)
        assert rule_keys(award) == ["rate:default-hour@v30", "total"]

    def test_a_rate_for_the_deed_type_comes_before_any_default_rate(self):
        rules = [programme({"rates": [rate(credits=5)]}), local({"default_rates": {"hour": 1}})]
        award = compute_award(facts(quantity=2), rules)
        assert_total(award, 10)
        assert rule_keys(award) == ["rate:r1@v12", "total"]

    def test_no_rule_at_all_gives_zero_and_says_why(self):
        award = compute_award(facts(), [programme({"rates": [rate("waste-sorting", "occurrence", 5)]})])
        assert_total(award, 0)
        assert rule_keys(award) == ["rate:none", "total"]
        none = line(award, "rate:none")
        assert none.value == 0
        assert none.text_en == 'No rule gives credits for "Elder care" on 2026-11-16'
        assert none.text_th == 'ไม่มีกติกาที่ให้เครดิตแก่ "ดูแลผู้สูงอายุ" ในวันที่ 16/11/2569'
        assert award.version_ids == (PROGRAMME_V,)
        assert not award.two_approvers
        assert not award.short_by_allotment

    def test_no_rulebook_in_force_gives_zero(self):
        award = compute_award(facts(), [])
        assert_total(award, 0)
        assert rule_keys(award) == ["rate:none", "total"]
        assert award.version_ids == ()


# --- worked examples: multipliers -----------------------------------------------------------------------------


def area_multiplier(*areas: str, factor: float = 1.5, **extra: Any) -> dict[str, Any]:
    return {"id": "m1", "kind": "target_area", "areas": list(areas), "factor": factor, **extra}


class TestMultipliers:
    @pytest.mark.parametrize("code", ["71", "7109", "710901", "71090101"])
    def test_target_area_matches_the_province_district_subdistrict_or_village(self, code):
        doc = {
            "rates": [rate()],
            "multipliers": [area_multiplier(code, label_th="กาญจนบุรี", label_en="Kanchanaburi")],
        }
        award = compute_award(facts(quantity=2, area_code=AREA), [programme(doc)])
        assert_total(award, 15)
        m = line(award, "multiplier:m1@v12")
        assert m.value == 1.5
        assert m.text_en == f"{PROGRAMME_EN}: target area Kanchanaburi × 1.5 = 15"
        assert m.text_th == f"{PROGRAMME_TH}: พื้นที่เป้าหมาย กาญจนบุรี × 1.5 = 15"
        assert rule_keys(award) == ["rate:r1@v12", "multiplier:m1@v12", "total"]

    @pytest.mark.parametrize(
        ("code", "area_code"),
        [
            ("72", AREA),  # another province
            ("7110", AREA),  # another district of the same province
            ("710902", AREA),  # another subdistrict of the same district
            ("71090102", AREA),  # another village of the same subdistrict
            ("0901", AREA),  # the digits appear inside the code, but not as its start
            ("0101", AREA),  # ... nor at its end
            ("71090101", "710901"),  # the village's rule does not reach the whole subdistrict
            ("71", ""),  # a deed without an area
        ],
    )
    def test_target_area_does_not_match_elsewhere(self, code, area_code):
        doc = {"rates": [rate()], "multipliers": [area_multiplier(code)]}
        award = compute_award(facts(quantity=2, area_code=area_code), [programme(doc)])
        assert_total(award, 10)
        assert not any(k.startswith("multiplier:") for k in rule_keys(award))

    @pytest.mark.parametrize(
        ("done_on", "credits"),
        [
            (dt.date(2026, 11, 30), 10),
            (dt.date(2026, 12, 1), 20),  # the first day counts
            (dt.date(2026, 12, 25), 20),
            (dt.date(2027, 1, 15), 20),  # the last day counts
            (dt.date(2027, 1, 16), 10),
        ],
    )
    def test_campaign_window_includes_both_ends(self, done_on, credits):
        doc = {
            "rates": [rate("waste-sorting", "occurrence", 10)],
            "multipliers": [{"id": "c1", "kind": "campaign", "from": "2026-12-01", "to": "2027-01-15", "factor": 2}],
        }
        award = compute_award(
            facts(deed_type="waste-sorting", unit="occurrence", quantity=1, done_on=done_on), [programme(doc)]
        )
        assert_total(award, credits)
        assert ("multiplier:c1@v12" in rule_keys(award)) == (credits == 20)
        if credits == 20:
            assert line(award, "multiplier:c1@v12").text_en == f"{PROGRAMME_EN}: campaign × 2 = 20"
            assert line(award, "multiplier:c1@v12").text_th == f"{PROGRAMME_TH}: ช่วงรณรงค์ × 2 = 20"

    @pytest.mark.parametrize(("deed_type", "credits"), [("waste-sorting", 20), ("elder-care", 10)])
    def test_campaign_limited_to_its_deed_types(self, deed_type, credits):
        doc = {
            "rates": [rate("waste-sorting", "occurrence", 10, "r1"), rate("elder-care", "occurrence", 10, "r2")],
            "multipliers": [
                {
                    "id": "c1",
                    "kind": "campaign",
                    "from": "2026-11-01",
                    "to": "2026-11-30",
                    "factor": 2,
                    "deed_types": ["waste-sorting"],
                }
            ],
        }
        award = compute_award(facts(deed_type=deed_type, unit="occurrence", quantity=1), [programme(doc)])
        assert_total(award, credits)

    @pytest.mark.parametrize(
        ("virtues", "credits"),
        [(("volunteering",), 12), (("discipline", "volunteering"), 12), (("discipline",), 10), ((), 10)],
    )
    def test_focus_virtue_multiplies_deeds_of_that_virtue(self, virtues, credits):
        doc = {
            "rates": [rate()],
            "multipliers": [{"id": "v1", "kind": "focus_virtue", "virtues": ["volunteering"], "factor": 1.25}],
        }
        award = compute_award(facts(quantity=2, virtues=virtues), [programme(doc)])
        assert_total(award, credits)  # 10 × 1.25 = 12.5, rounded down
        if credits == 12:
            assert line(award, "multiplier:v1@v12").text_en == f"{PROGRAMME_EN}: focus virtue × 1.25 = 12.5"
            assert line(award, "multiplier:v1@v12").text_th == f"{PROGRAMME_TH}: คุณธรรมที่เน้น × 1.25 = 12.5"
            assert line(award, "rounding").value == 12

    def test_several_multipliers_from_both_rulebooks_multiply(self):
        rules = [
            programme({"rates": [rate()], "multipliers": [area_multiplier("7109", factor=1.5)]}),
            local(
                {
                    "multipliers": [
                        {"id": "c1", "kind": "campaign", "from": "2026-11-01", "to": "2026-11-30", "factor": 2},
                        {"id": "v1", "kind": "focus_virtue", "virtues": ["volunteering"], "factor": 1.25},
                    ]
                }
            ),
        ]
        award = compute_award(facts(quantity=2, virtues=("volunteering",)), rules)
        # 5 × 2 = 10; × 1.5 = 15; × 2 = 30; × 1.25 = 37.5; rounded down to 37
        assert_total(award, 37)
        assert rule_keys(award) == [
            "rate:r1@v12",
            "multiplier:m1@v12",
            "multiplier:c1@v30",
            "multiplier:v1@v30",
            "rounding",
            "total",
        ]
        assert line(award, "multiplier:c1@v30").text_en == f"{LOCAL_EN}: campaign × 2 = 30"
        assert line(award, "multiplier:v1@v30").text_th == f"{LOCAL_TH}: คุณธรรมที่เน้น × 1.25 = 37.5"


# --- worked examples: caps, allotment, two approvers ----------------------------------------------------------


class TestCaps:
    def test_cap_per_member_per_day(self):
        rules = [programme({"rates": [rate()], "caps": {"member_day": 30}})]
        award = compute_award(facts(quantity=10), rules, History(day=10))
        # 50 earned, but only 20 of the day's 30 are left
        assert_total(award, 20)
        cap = line(award, "cap:member_day@v12")
        assert cap.value == 20
        assert cap.text_en == f"{PROGRAMME_EN}: cap per member per day 30 credits (10 already) leaves 20"
        assert cap.text_th == f"{PROGRAMME_TH}: เพดานต่อคนต่อวัน 30 เครดิต (ได้ไปแล้ว 10) เหลือให้ได้ 20"

    def test_cap_per_member_per_month(self):
        rules = [programme({"rates": [rate()], "caps": {"member_month": 100}})]
        award = compute_award(facts(quantity=10), rules, History(day=0, month=90))
        assert_total(award, 10)
        assert (
            "cap per member per month 100 credits (90 already) leaves 10" in line(award, "cap:member_month@v12").text_en
        )
        assert "เพดานต่อคนต่อเดือน 100 เครดิต" in line(award, "cap:member_month@v12").text_th

    def test_cap_per_deed_type_per_month_only_for_that_deed_type(self):
        rules = [
            programme(
                {
                    "rates": [rate(), rate("waste-sorting", "hour", 5, "r2")],
                    "caps": {"deed_type_month": {"elder-care": 12}},
                }
            )
        ]
        capped = compute_award(facts(quantity=10), rules, History(deed_type_month=4))
        assert_total(capped, 8)
        assert (
            "cap for this deed type per member per month 12 credits (4 already) leaves 8"
            in line(capped, "cap:deed_type_month@v12").text_en
        )
        other = compute_award(facts(deed_type="waste-sorting", quantity=10), rules, History(deed_type_month=4))
        assert_total(other, 50)
        assert not any(k.startswith("cap:") for k in rule_keys(other))

    def test_a_cap_not_reached_adds_no_line(self):
        rules = [programme({"rates": [rate()], "caps": {"member_day": 30, "member_month": 600}})]
        award = compute_award(facts(quantity=2), rules, History(day=5, month=50))
        assert_total(award, 10)
        assert rule_keys(award) == ["rate:r1@v12", "total"]

    def test_the_local_cap_is_stricter(self):
        rules = [
            programme({"rates": [rate()], "caps": {"member_day": 40}}),
            local({"caps": {"member_day": 25}}),
        ]
        award = compute_award(facts(quantity=10), rules)
        assert_total(award, 25)
        # the programme's cap brings 50 to 40, then the local one to 25: each cap that lowers the credits says so
        assert [k for k in rule_keys(award) if k.startswith("cap:")] == ["cap:member_day@v12", "cap:member_day@v30"]
        assert (
            line(award, "cap:member_day@v30").text_en
            == f"{LOCAL_EN}: cap per member per day 25 credits (0 already) leaves 25"
        )

    def test_the_programme_cap_is_stricter(self):
        rules = [
            programme({"rates": [rate()], "caps": {"member_day": 20}}),
            local({"caps": {"member_day": 40, "member_month": 45}}),
        ]
        award = compute_award(facts(quantity=10), rules)
        assert_total(award, 20)
        assert [k for k in rule_keys(award) if k.startswith("cap:")] == ["cap:member_day@v12"]

    def test_the_strictest_of_different_caps_wins(self):
        rules = [
            programme({"rates": [rate()], "caps": {"member_day": 40, "member_month": 100}}),
            local({"caps": {"deed_type_month": {"elder-care": 30}}}),
        ]
        award = compute_award(facts(quantity=10), rules, History(day=0, month=75, deed_type_month=0))
        assert_total(award, 25)

    @pytest.mark.parametrize("used", [30, 35])
    def test_a_cap_already_used_up_gives_zero(self, used):
        rules = [programme({"rates": [rate()], "caps": {"member_day": 30}})]
        award = compute_award(facts(quantity=2), rules, History(day=used))
        assert_total(award, 0)
        cap = line(award, "cap:member_day@v12")
        assert cap.value == 0
        assert cap.text_en.endswith(f"({used} already) leaves 0")

    def test_a_cap_of_zero_gives_zero(self):
        rules = [programme({"rates": [rate()], "caps": {"deed_type_month": {"elder-care": 0}}})]
        assert_total(compute_award(facts(quantity=2), rules), 0)


class TestAllotmentAndApprovers:
    @pytest.mark.parametrize(("available", "short"), [(None, False), (100, False), (20, False), (19, True), (0, True)])
    def test_allotment_shortfall_is_flagged_without_changing_the_credits(self, available, short):
        award = compute_award(facts(quantity=4), [programme({"rates": [rate()]})], allotment_available=available)
        assert_total(award, 20)
        assert award.short_by_allotment is short
        assert ("allotment" in rule_keys(award)) is short
        if short:
            allotment = line(award, "allotment")
            assert allotment.value == available
            assert allotment.text_en == f"The organisation's allotment holds {available}, short of 20"
            assert allotment.text_th == f"โควตาขององค์กรเหลือ {available} เครดิต ไม่พอสำหรับ 20"

    @pytest.mark.parametrize(("hours", "two"), [(40, False), (41, True)])
    def test_two_approvers_above_the_threshold(self, hours, two):
        rules = [programme({"rates": [rate()], "two_approvers_above": 200})]
        award = compute_award(facts(quantity=hours), rules)
        assert award.credits == hours * 5
        assert award.two_approvers is two

    def test_two_approvers_uses_the_lowest_threshold(self):
        rules = [programme({"rates": [rate()], "two_approvers_above": 200}), local({"two_approvers_above": 50})]
        assert compute_award(facts(quantity=12), rules).two_approvers is True
        assert compute_award(facts(quantity=10), rules).two_approvers is False

    def test_two_approvers_judged_on_the_credits_after_caps(self):
        rules = [programme({"rates": [rate()], "two_approvers_above": 150, "caps": {"member_day": 100}})]
        award = compute_award(facts(quantity=40), rules)
        assert award.credits == 100
        assert award.two_approvers is False

    def test_no_threshold_no_second_approver(self):
        assert compute_award(facts(quantity=1000), [programme({"rates": [rate()]})]).two_approvers is False


# --- levels and descriptions ----------------------------------------------------------------------------------

LEVELS_DOC = [
    {"code": "seed", "name_th": "เมล็ดพันธุ์", "name_en": "Seed", "min_credits": 0},
    {"code": "sprout", "name_th": "ต้นกล้า", "name_en": "Sprout", "min_credits": 100},
    {"code": "tree", "name_th": "ต้นไม้ใหญ่", "min_credits": 500},
]


class TestLevels:
    @pytest.mark.parametrize(
        ("credits", "code"),
        [(0, "seed"), (99, "seed"), (100, "sprout"), (499, "sprout"), (500, "tree"), (10**6, "tree")],
    )
    def test_level_for_thresholds(self, credits, code):
        levels = parse_rules({"levels": LEVELS_DOC}).levels
        level = level_for(credits, levels)
        assert level is not None
        assert level.code == code

    def test_name_en_falls_back_to_name_th(self):
        levels = parse_rules({"levels": LEVELS_DOC}).levels
        assert levels[2] == Level("tree", "ต้นไม้ใหญ่", "ต้นไม้ใหญ่", 500)

    def test_below_the_first_threshold_or_without_levels_there_is_no_level(self):
        levels = (Level("a", "ก", "A", 10), Level("b", "ข", "B", 20))
        assert level_for(9, levels) is None
        assert level_for(100, ()) is None

    def test_level_for_does_not_depend_on_the_order_given(self):
        levels = (Level("b", "ข", "B", 20), Level("a", "ก", "A", 10), Level("c", "ค", "C", 30))
        assert level_for(25, levels).code == "b"  # type: ignore[union-attr]


FULL_DOC: dict[str, Any] = {
    "schema": 1,
    "rates": [rate("elder-care", "hour", 5, "r1"), rate("savings-20", "period", 10, "r2")],
    "default_rates": {"occurrence": 2},
    "multipliers": [
        {"id": "m1", "kind": "target_area", "areas": ["7109"], "factor": 1.5, "label_th": "ทองผาภูมิ", "label_en": "TP"},
        {
            "id": "m2",
            "kind": "campaign",
            "from": "2026-12-01",
            "to": "2027-01-15",
            "factor": 2,
            "deed_types": ["waste-sorting"],
        },
        {"id": "m3", "kind": "focus_virtue", "virtues": ["volunteering"], "factor": 1.25},
    ],
    "caps": {"member_day": 100, "member_month": 600, "deed_type_month": {"savings-20": 10}},
    "two_approvers_above": 200,
    "appeal_days": 30,
    "levels": LEVELS_DOC,
    "notes": "ฉบับทดลอง",
}
NAMES = {"elder-care": "ดูแลผู้สูงอายุ", "savings-20": "ออม 20 บาท", "waste-sorting": "คัดแยกขยะ"}


class TestDescribe:
    def test_english_mentions_every_rate_multiplier_cap_and_level(self):
        out = describe_rules(parse_rules(FULL_DOC), NAMES, "en")
        assert out == [
            '[r1] "ดูแลผู้สูงอายุ": 5 credits per hour',
            '[r2] "ออม 20 บาท": 10 credits per period',
            "Default per time: 2 credits",
            "[m1] ×1.5 target areas 7109 — TP",
            "[m2] ×2 campaign 2026-12-01 to 2027-01-15 · คัดแยกขยะ",
            "[m3] ×1.25 virtues volunteering",
            "Cap per member per day: 100",
            "Cap per member per month: 600",
            'Cap for "ออม 20 บาท" per member per month: 10',
            "Above 200 credits, two different approvers",
            "Appeals within 30 days",
            'Level "Seed": from 0 lifetime credits',
            'Level "Sprout": from 100 lifetime credits',
            'Level "ต้นไม้ใหญ่": from 500 lifetime credits',
        ]

    def test_thai_mentions_every_rate_multiplier_cap_and_level(self):
        out = describe_rules(parse_rules(FULL_DOC), NAMES, "th")
        assert out == [
            '[r1] "ดูแลผู้สูงอายุ": 5 เครดิตต่อชั่วโมง',
            '[r2] "ออม 20 บาท": 10 เครดิตต่อรอบ',
            "ค่าเริ่มต้นต่อครั้ง: 2 เครดิต",
            "[m1] ×1.5 พื้นที่เป้าหมาย 7109 — ทองผาภูมิ",
            "[m2] ×2 ช่วงรณรงค์ 1/12/2569–15/1/2570 · คัดแยกขยะ",
            "[m3] ×1.25 คุณธรรม volunteering",
            "เพดานต่อคนต่อวัน: 100 เครดิต",
            "เพดานต่อคนต่อเดือน: 600 เครดิต",
            'เพดาน "ออม 20 บาท" ต่อคนต่อเดือน: 10 เครดิต',
            "เกิน 200 เครดิต ต้องมีผู้รับรองสองคน",
            "อุทธรณ์ได้ภายใน 30 วัน",
            'ระดับ "เมล็ดพันธุ์": สะสมตั้งแต่ 0 เครดิต',
            'ระดับ "ต้นกล้า": สะสมตั้งแต่ 100 เครดิต',
            'ระดับ "ต้นไม้ใหญ่": สะสมตั้งแต่ 500 เครดิต',
        ]

    def test_without_names_the_codes_are_shown_and_a_cap_of_zero_is_still_described(self):
        out = describe_rules(parse_rules({"rates": [rate()], "caps": {"member_day": 0}}), lang="en")
        assert out == ['[r1] "elder-care": 5 credits per hour', "Cap per member per day: 0"]

    def test_empty_rules_describe_nothing(self):
        assert describe_rules(Rules()) == []


# --- parse_rules ----------------------------------------------------------------------------------------------


class TestParse:
    def test_a_full_document_parses(self):
        rules = parse_rules(FULL_DOC)
        assert [r.id for r in rules.rates] == ["r1", "r2"]
        assert rules.default_rates == {"occurrence": 2}
        m1, m2, m3 = rules.multipliers
        assert (m1.kind, m1.areas, m1.factor, m1.label_th) == ("target_area", ("7109",), 1.5, "ทองผาภูมิ")
        assert (m2.start, m2.end, m2.deed_types) == (dt.date(2026, 12, 1), dt.date(2027, 1, 15), ("waste-sorting",))
        assert (m3.virtues, m3.factor) == (("volunteering",), 1.25)
        assert rules.caps.member_day == 100
        assert rules.caps.member_month == 600
        assert rules.caps.deed_type_month == {"savings-20": 10}
        assert rules.two_approvers_above == 200
        assert rules.appeal_days == 30
        assert [lvl.code for lvl in rules.levels] == ["seed", "sprout", "tree"]

    def test_an_empty_document_is_valid_and_gives_nothing(self):
        assert parse_rules({}) == Rules()

    def test_ids_default_to_their_position(self):
        rules = parse_rules(
            {
                "rates": [{"deed_type": "a", "per": "hour", "credits": 1}],
                "multipliers": [{"kind": "focus_virtue", "virtues": ["honesty"], "factor": 2}],
            }
        )
        assert rules.rates[0].id == "r1"
        assert rules.multipliers[0].id == "m1"

    @pytest.mark.parametrize("factor", [1, 1.0, 2.5, MAX_FACTOR])
    def test_factors_from_one_to_max_factor_are_accepted(self, factor):
        doc = {"multipliers": [{"kind": "focus_virtue", "virtues": ["honesty"], "factor": factor}]}
        assert 1 <= parse_rules(doc).multipliers[0].factor <= MAX_FACTOR

    @pytest.mark.parametrize(
        ("doc", "expected"),
        [
            # multipliers only add: a factor below 1 or above MAX_FACTOR is refused
            ({"multipliers": [{"kind": "focus_virtue", "virtues": ["x"], "factor": 0.99}]}, "multipliers[0].factor"),
            ({"multipliers": [{"kind": "focus_virtue", "virtues": ["x"], "factor": 0.5}]}, "multipliers[0].factor"),
            ({"multipliers": [{"kind": "focus_virtue", "virtues": ["x"], "factor": -2}]}, "multipliers[0].factor"),
            ({"multipliers": [{"kind": "focus_virtue", "virtues": ["x"], "factor": 3.01}]}, "multipliers[0].factor"),
            ({"multipliers": [{"kind": "focus_virtue", "virtues": ["x"]}]}, "multipliers[0].factor"),
            ({"multipliers": [{"kind": "focus_virtue", "virtues": ["x"], "factor": "big"}]}, "multipliers[0].factor"),
            ({"multipliers": [{"kind": "focus_virtue", "virtues": ["x"], "factor": "nan"}]}, "multipliers[0].factor"),
            ({"multipliers": [{"kind": "focus_virtue", "virtues": ["x"], "factor": "inf"}]}, "multipliers[0].factor"),
            # never negative credits
            ({"rates": [rate(credits=-1)]}, "rates[0].credits"),
            ({"rates": [rate(credits=2.5)]}, "rates[0].credits"),  # type: ignore[arg-type]
            ({"rates": [rate(credits=True)]}, "rates[0].credits"),
            ({"default_rates": {"hour": -5}}, "default_rates.hour"),
            ({"caps": {"member_day": -1}}, "caps.member_day"),
            ({"caps": {"member_month": -1}}, "caps.member_month"),
            ({"caps": {"deed_type_month": {"savings-20": -1}}}, "caps.deed_type_month.savings-20"),
            ({"two_approvers_above": 0}, "two_approvers_above"),
            ({"appeal_days": 0}, "appeal_days"),
            # unknown units, keys and kinds
            ({"rates": [rate(per="minute")]}, "rates[0]: per must be one of occurrence, hour, period, percent"),
            ({"default_rates": {"minute": 1}}, "default_rates: unknown unit minute"),
            ({"bonus": 5, "penalties": []}, "unknown keys / คีย์ที่ไม่รู้จัก: bonus, penalties"),
            ({"multipliers": [{"kind": "penalty", "factor": 2}]}, "multipliers[0].kind"),
            ({"schema": 2}, "schema must be 1"),
            ({"rates": [rate(rid="x"), rate("b", rid="x")]}, "rates[1]: duplicate id x"),
            ({"rates": [rate(deed_type="")]}, "rates[0]: deed_type is needed"),
            ({"rates": ["r1"]}, "rates[0]: must be an object"),
            ({"multipliers": ["m1"]}, "multipliers[0]: must be an object"),
            ({"multipliers": [{"kind": "focus_virtue", "virtues": [], "factor": 2}]}, "multipliers[0].virtues"),
            # campaign dates
            (
                {"multipliers": [{"kind": "campaign", "from": "2026-13-01", "to": "2027-01-15", "factor": 2}]},
                "multipliers[0].from",
            ),
            (
                {"multipliers": [{"kind": "campaign", "from": "2026-12-01", "to": "15/1/2570", "factor": 2}]},
                "multipliers[0].to",
            ),
            (
                {"multipliers": [{"kind": "campaign", "from": "2027-02-29", "to": "2027-03-15", "factor": 2}]},
                "multipliers[0].from",
            ),
            ({"multipliers": [{"kind": "campaign", "to": "2027-01-15", "factor": 2}]}, "multipliers[0].from"),
            ({"multipliers": [{"kind": "campaign", "from": "2026-12-01", "factor": 2}]}, "multipliers[0].to"),
            (
                {"multipliers": [{"kind": "campaign", "from": "2027-01-15", "to": "2026-12-01", "factor": 2}]},
                "multipliers[0]: the campaign ends before it starts",
            ),
            # target areas: DOPA codes of 2, 4, 6 or 8 digits
            *[
                ({"multipliers": [area_multiplier(code)]}, "multipliers[0].areas")
                for code in ["7", "710", "71090", "7109010", "710901011", "71a9", "", "71 9"]
            ],
            ({"multipliers": [area_multiplier()]}, "multipliers[0].areas"),
            ({"multipliers": [area_multiplier("71", "710")]}, "multipliers[0].areas"),
            # levels
            (
                {
                    "levels": [
                        {"code": "a", "name_th": "ก", "min_credits": 0},
                        {"code": "b", "name_th": "ข", "min_credits": 0},
                    ]
                },
                "levels: thresholds must rise strictly",
            ),
            (
                {
                    "levels": [
                        {"code": "a", "name_th": "ก", "min_credits": 0},
                        {"code": "b", "name_th": "ข", "min_credits": 100},
                        {"code": "c", "name_th": "ค", "min_credits": 50},
                    ]
                },
                "levels: thresholds must rise strictly",
            ),
            ({"levels": [{"code": "a", "name_th": "ก", "min_credits": -1}]}, "levels[0].min_credits"),
            ({"levels": [{"code": "a", "min_credits": 0}]}, "levels[0]: code and name_th are needed"),
        ],
    )
    def test_refusals_list_the_problem(self, doc, expected):
        with pytest.raises(RuleDocumentError) as caught:
            parse_rules(doc)
        assert any(expected in problem for problem in caught.value.problems), caught.value.problems
        assert expected in str(caught.value)

    @pytest.mark.parametrize("doc", [[], "rules", None, 5])
    def test_a_document_that_is_not_an_object_is_refused(self, doc):
        with pytest.raises(RuleDocumentError) as caught:
            parse_rules(doc)
        assert caught.value.problems == ["the rules must be an object / กติกาต้องเป็นออบเจกต์"]

    def test_every_problem_is_listed_at_once(self):
        doc = {
            "surprise": 1,
            "rates": [rate(credits=-1), rate("b", per="minute", rid="r2")],
            "multipliers": [
                {"kind": "focus_virtue", "virtues": ["x"], "factor": 0.5},
                {"kind": "campaign", "from": "2027-01-15", "to": "2026-12-01", "factor": 2},
                area_multiplier("123"),
            ],
            "caps": {"member_day": -3},
            "levels": [
                {"code": "a", "name_th": "ก", "min_credits": 10},
                {"code": "b", "name_th": "ข", "min_credits": 5},
            ],
        }
        with pytest.raises(RuleDocumentError) as caught:
            parse_rules(doc)
        problems = caught.value.problems
        for expected in [
            "unknown keys",
            "rates[0].credits",
            "rates[1]: per must be one of",
            "multipliers[0].factor",
            "multipliers[1]: the campaign ends before it starts",
            "multipliers[2].areas",
            "caps.member_day",
            "levels: thresholds must rise strictly",
        ]:
            assert any(expected in p for p in problems), (expected, problems)
        assert len(problems) == 8

    # The following show engine bugs: a wrongly shaped section should be listed in ``problems``, like a wrongly
    # shaped rate or multiplier is, instead of crashing (the rulebook editor catches only RuleDocumentError,
    # through RulesInvalidError, so a crash here is a server error) or being silently misread.

    @pytest.mark.parametrize(
        "doc",
        [
            {"levels": [1]},
            {"levels": ["seed"]},
            {"caps": [100]},
            {"caps": {"deed_type_month": ["savings-20"]}},
            {"default_rates": [5]},
            {"rates": 5},
            {"multipliers": [{"kind": "target_area", "areas": 71, "factor": 2}]},
        ],
    )
    def test_a_wrongly_shaped_section_is_refused_not_a_crash(self, doc):
        with pytest.raises(RuleDocumentError):
            parse_rules(doc)

    @pytest.mark.parametrize(
        "doc",
        [
            {"multipliers": [{"kind": "focus_virtue", "virtues": "volunteering", "factor": 2}]},
            {
                "multipliers": [
                    {
                        "kind": "campaign",
                        "from": "2026-12-01",
                        "to": "2027-01-15",
                        "factor": 2,
                        "deed_types": "waste-sorting",
                    }
                ]
            },
        ],
    )
    def test_a_string_where_a_list_is_needed_is_refused_not_split_into_letters(self, doc):
        with pytest.raises(RuleDocumentError):
            parse_rules(doc)

    def test_a_rate_without_credits_is_refused_not_silently_dropped(self):
        # A rate that forgets its credits: the document is accepted and the rate vanishes, so the deed type
        # quietly earns nothing (or falls to a default rate) instead of the editor being told.
        doc = {"rates": [{"id": "r1", "deed_type": "elder-care", "per": "hour"}]}
        with pytest.raises(RuleDocumentError) as caught:
            parse_rules(doc)
        assert any("rates[0].credits" in p for p in caught.value.problems)

    @pytest.mark.parametrize("code", ["๗๑", "๗๑๐๙", "７１", "²³"])
    def test_area_codes_must_be_ascii_digits(self, code):
        # str.isdigit() accepts Thai (and other) digits: "๗๑" (Thai for 71) is accepted as an area code, yet
        # no deed's area code (ASCII DOPA digits) can ever start with it, so the multiplier silently never applies.
        with pytest.raises(RuleDocumentError) as caught:
            parse_rules({"multipliers": [area_multiplier(code)]})
        assert any("multipliers[0].areas" in p for p in caught.value.problems)

    @pytest.mark.parametrize("day", ["20261201", "2026-W49-2"])
    def test_a_campaign_date_must_be_yyyy_mm_dd_as_the_message_says(self, day):
        doc = {"multipliers": [{"kind": "campaign", "from": day, "to": "2027-01-15", "factor": 2}]}
        with pytest.raises(RuleDocumentError) as caught:
            parse_rules(doc)
        assert any("multipliers[0].from" in p for p in caught.value.problems)

    # Whole numbers have no size limit in JSON or Python: a rate, cap or factor of 10**400 must be refused with
    # its field named (float(10**400) raised OverflowError, a 500 in the editor; a published rate of 10**400 made
    # every later verification a 500, the award overflowing the ledger's integer columns).

    @pytest.mark.parametrize(
        ("doc", "expected"),
        [
            ({"rates": [rate(credits=10**400)]}, "rates[0].credits"),
            ({"rates": [rate(credits=MAX_CREDITS + 1)]}, "rates[0].credits"),
            ({"default_rates": {"hour": 10**400}}, "default_rates.hour"),
            ({"caps": {"member_day": 10**400}}, "caps.member_day"),
            ({"caps": {"member_month": MAX_CREDITS + 1}}, "caps.member_month"),
            ({"caps": {"deed_type_month": {"savings-20": 10**400}}}, "caps.deed_type_month.savings-20"),
            ({"two_approvers_above": 10**400}, "two_approvers_above"),
            ({"appeal_days": 10**400}, "appeal_days"),
            ({"appeal_days": MAX_APPEAL_DAYS + 1}, "appeal_days"),
            ({"levels": [{"code": "a", "name_th": "ก", "min_credits": 10**400}]}, "levels[0].min_credits"),
            (
                {"levels": [{"code": "a", "name_th": "ก", "min_credits": MAX_LIFETIME_CREDITS + 1}]},
                "levels[0].min_credits",
            ),
            ({"multipliers": [{"kind": "focus_virtue", "virtues": ["x"], "factor": 10**400}]}, "multipliers[0].factor"),
            (
                {"multipliers": [{"kind": "focus_virtue", "virtues": ["x"], "factor": -(10**400)}]},
                "multipliers[0].factor",
            ),
            ({"multipliers": [{"kind": "focus_virtue", "virtues": ["x"], "factor": 1e308}]}, "multipliers[0].factor"),
        ],
    )
    def test_a_huge_whole_number_is_refused_naming_its_field_never_another_error(self, doc, expected):
        with pytest.raises(RuleDocumentError) as caught:
            parse_rules(doc)
        problems = [p for p in caught.value.problems if expected in p]
        assert problems, caught.value.problems
        assert "/" in problems[0]  # in English and in Thai

    def test_the_largest_numbers_allowed_are_accepted(self):
        rules = parse_rules(
            {
                "rates": [rate(credits=MAX_CREDITS)],
                "default_rates": {"occurrence": MAX_CREDITS},
                "multipliers": [
                    {"kind": "focus_virtue", "virtues": ["x"], "factor": MAX_FACTOR} for _ in range(MAX_MULTIPLIERS)
                ],
                "caps": {"member_day": MAX_CREDITS, "member_month": MAX_CREDITS, "deed_type_month": {"a": MAX_CREDITS}},
                "two_approvers_above": MAX_CREDITS,
                "appeal_days": MAX_APPEAL_DAYS,
                "levels": [{"code": "a", "name_th": "ก", "min_credits": MAX_LIFETIME_CREDITS}],
            }
        )
        assert rules.rates[0].credits == MAX_CREDITS
        assert len(rules.multipliers) == MAX_MULTIPLIERS
        assert rules.levels[0].min_credits == MAX_LIFETIME_CREDITS

    def test_more_multipliers_than_allowed_are_refused(self):
        doc = {
            "multipliers": [
                {"kind": "focus_virtue", "virtues": ["x"], "factor": 1.5} for _ in range(MAX_MULTIPLIERS + 1)
            ]
        }
        with pytest.raises(RuleDocumentError) as caught:
            parse_rules(doc)
        assert any(p.startswith("multipliers:") for p in caught.value.problems), caught.value.problems

    @pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan])
    def test_a_number_json_cannot_hold_is_refused_wherever_it_is(self, number):
        # json.loads reads 1e400 as infinity; neither database's JSON column can store it (a 500), even in notes
        for doc, expected in (
            ({"notes": {"why": [1, number]}}, "notes.why[1]"),
            ({"rates": [{**rate(), "note": number}]}, "rates[0].note"),
        ):
            with pytest.raises(RuleDocumentError) as caught:
                parse_rules(doc)
            assert any(expected in p for p in caught.value.problems), caught.value.problems


class TestCeiling:
    """However the multipliers of both rulebooks compound, one deed's award fits the ledger's integer columns."""

    def test_compounding_multipliers_stop_at_the_ceiling_and_say_so(self):
        boost = [{"kind": "focus_virtue", "virtues": ["volunteering"], "factor": MAX_FACTOR}] * MAX_MULTIPLIERS
        doc = {"rates": [rate(credits=MAX_CREDITS)], "multipliers": boost}
        award = compute_award(
            facts(quantity=100.0, virtues=("volunteering",)), [programme(doc), local({"multipliers": boost})]
        )
        assert_total(award, MAX_AWARD)
        assert line(award, "ceiling").value == MAX_AWARD
        assert MAX_AWARD < 2**31 - 1  # a posting's amount and a deed's credits are 32-bit integer columns

    def test_an_award_below_the_ceiling_has_no_ceiling_line(self):
        award = compute_award(facts(quantity=100.0), [programme({"rates": [rate(credits=MAX_CREDITS)]})])
        assert_total(award, 100 * MAX_CREDITS)
        assert "ceiling" not in rule_keys(award)


# --- Hypothesis properties ------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DEED_TYPES = ("elder-care", "waste-sorting", "savings-20")
VIRTUES = ("sufficiency", "discipline", "volunteering")
VILLAGES = ("71090101", "71090205", "71100301", "10010101")
FIRST_DAY, LAST_DAY = dt.date(2026, 1, 1), dt.date(2027, 12, 31)

days = st.dates(FIRST_DAY, LAST_DAY)
factors = st.one_of(st.floats(1.0, MAX_FACTOR, allow_nan=False), st.integers(100, 300).map(lambda n: n / 100))
area_prefixes = st.builds(lambda code, n: code[:n], st.sampled_from(VILLAGES), st.sampled_from((2, 4, 6, 8)))
some_deed_types = st.lists(st.sampled_from(DEED_TYPES), unique=True, max_size=2)


@st.composite
def campaigns(draw: st.DrawFn) -> dict[str, Any]:
    start, end = sorted([draw(days), draw(days)])
    return {"kind": "campaign", "from": start.isoformat(), "to": end.isoformat(), "factor": draw(factors)}


def multipliers() -> st.SearchStrategy[dict[str, Any]]:
    kinds = st.one_of(
        st.builds(
            lambda areas, f: {"kind": "target_area", "areas": areas, "factor": f},
            st.lists(area_prefixes, min_size=1, max_size=3),
            factors,
        ),
        campaigns(),
        st.builds(
            lambda virtues, f: {"kind": "focus_virtue", "virtues": virtues, "factor": f},
            st.lists(st.sampled_from(VIRTUES), min_size=1, max_size=2, unique=True),
            factors,
        ),
    )
    return st.builds(lambda m, types: {**m, "deed_types": types} if types else m, kinds, some_deed_types)


def with_ids(prefix: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "id": f"{prefix}{i + 1}"} for i, item in enumerate(items)]


rates_st = st.lists(
    st.fixed_dictionaries(
        {"deed_type": st.sampled_from(DEED_TYPES), "per": st.sampled_from(UNITS), "credits": st.integers(0, 100)}
    ),
    max_size=4,
    unique_by=lambda rate: rate["deed_type"],  # one rate per deed type in a document (a second is refused)
).map(lambda items: with_ids("r", items))
caps_st = st.fixed_dictionaries(
    {},
    optional={
        "member_day": st.integers(0, 200),
        "member_month": st.integers(0, 1000),
        "deed_type_month": st.dictionaries(st.sampled_from(DEED_TYPES), st.integers(0, 150), max_size=3),
    },
)
levels_st = st.lists(st.integers(0, 5000), unique=True, max_size=4).map(
    lambda mins: [{"code": f"l{m}", "name_th": f"ระดับ {m}", "min_credits": m} for m in sorted(mins)]
)
documents = st.fixed_dictionaries(
    {"schema": st.just(1), "rates": rates_st},
    optional={
        "default_rates": st.dictionaries(st.sampled_from(UNITS), st.integers(0, 50), max_size=4),
        "multipliers": st.lists(multipliers(), max_size=4).map(lambda items: with_ids("m", items)),
        "caps": caps_st,
        "two_approvers_above": st.integers(1, 300),
        "appeal_days": st.integers(1, 90),
        "levels": levels_st,
    },
)
deeds = st.builds(
    facts,
    deed_type=st.sampled_from(DEED_TYPES),
    unit=st.sampled_from(UNITS),
    quantity=st.integers(-500, 50_000).map(lambda n: n / 100),
    done_on=days,
    area_code=st.one_of(st.sampled_from(VILLAGES), st.sampled_from(VILLAGES).map(lambda v: v[:6]), st.just("")),
    virtues=st.lists(st.sampled_from(VIRTUES), unique=True, max_size=3).map(tuple),
)
histories = st.builds(History, day=st.integers(0, 300), month=st.integers(0, 1500), deed_type_month=st.integers(0, 300))
allotments = st.one_of(st.none(), st.integers(0, 500))


def rulesets_from(docs: list[dict[str, Any]]) -> list[RuleSet]:
    """The programme's version first, then the organisation's local rulebook."""
    labels = [(PROGRAMME_TH, PROGRAMME_EN), (LOCAL_TH, LOCAL_EN)]
    return [RuleSet(labels[i][0], labels[i][1], 100 + i, EFFECTIVE, parse_rules(doc)) for i, doc in enumerate(docs)]


rulebook_docs = st.lists(documents, min_size=1, max_size=2)  # no rulebook at all: see TestRates


def without_caps(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "caps"}


@PROPERTY
@given(docs=rulebook_docs, deed=deeds, history=histories, available=allotments)
def test_the_award_is_a_whole_number_never_negative_and_explained(docs, deed, history, available):
    rulesets = rulesets_from(docs)
    award = compute_award(deed, rulesets, history, available)
    assert type(award.credits) is int
    assert award.credits >= 0
    assert_total(award, award.credits)
    assert award.version_ids == tuple(rs.version_id for rs in rulesets)
    for x in award.lines:
        assert x.text_th
        assert x.text_en
        if x.rule.split(":")[0] in ("rate", "multiplier", "cap") and x.rule != "rate:none":
            assert int(x.rule.rsplit("@v", 1)[1]) in award.version_ids
    assert award.lines[0].rule.startswith("rate:")
    assert award.short_by_allotment == (available is not None and award.credits > available)
    thresholds = [rs.rules.two_approvers_above for rs in rulesets if rs.rules.two_approvers_above]
    assert award.two_approvers == (bool(thresholds) and award.credits > min(thresholds))


@PROPERTY
@given(docs=rulebook_docs, deed=deeds, history=histories)
def test_caps_are_always_respected(docs, deed, history):
    rulesets = rulesets_from(docs)
    award = compute_award(deed, rulesets, history)
    for rs in rulesets:
        caps = rs.rules.caps
        for cap, used in (
            (caps.member_day, history.day),
            (caps.member_month, history.month),
            (caps.deed_type_month.get(deed.deed_type), history.deed_type_month),
        ):
            if cap is not None:
                assert award.credits <= max(0, cap - used)


@PROPERTY
@given(docs=rulebook_docs, deed=deeds, history=histories, available=allotments)
def test_the_same_inputs_give_the_same_award(docs, deed, history, available):
    first = compute_award(deed, rulesets_from(docs), history, available)
    # the same documents read again (as another process would), and the same facts rebuilt
    again = compute_award(
        facts(**{f: getattr(deed, f) for f in deed.__dataclass_fields__}),
        rulesets_from(copy.deepcopy(docs)),
        History(history.day, history.month, history.deed_type_month),
        available,
    )
    assert first.credits == again.credits
    assert first.lines == again.lines
    assert first.as_json() == again.as_json()
    assert first == again


@PROPERTY
@given(
    docs=st.lists(documents, min_size=1, max_size=2),
    deed=deeds,
    history=histories,
    extra=multipliers(),
    where=st.integers(0, 1),
)
def test_a_multiplier_never_lowers_the_credits(docs, deed, history, extra, where):
    where = min(where, len(docs) - 1)

    def add_multiplier(ds: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = copy.deepcopy(ds)
        out[where]["multipliers"] = [*out[where].get("multipliers", []), {**extra, "id": "extra"}]
        return out

    # before caps
    uncapped = [without_caps(d) for d in docs]
    before = compute_award(deed, rulesets_from(uncapped)).credits
    after = compute_award(deed, rulesets_from(add_multiplier(uncapped))).credits
    assert after >= before
    # and the caps, applied after, keep the order
    assert (
        compute_award(deed, rulesets_from(add_multiplier(docs)), history).credits
        >= compute_award(deed, rulesets_from(docs), history).credits
    )


@PROPERTY
@given(doc=documents, deed=deeds, factor=factors)
def test_a_multiplier_that_applies_multiplies_before_rounding(doc, deed, factor):
    doc = {k: v for k, v in doc.items() if k not in ("caps", "multipliers")}
    plain = compute_award(deed, rulesets_from([doc]))
    campaign = {"id": "x", "kind": "campaign", "from": "2026-01-01", "to": "2028-12-31", "factor": factor}
    boosted = compute_award(deed, rulesets_from([{**doc, "multipliers": [campaign]}]))
    if plain.lines[0].rule == "rate:none":
        assert boosted.credits == 0
        assert "multiplier:x@v100" not in rule_keys(boosted)
    else:
        amount = plain.lines[0].value * factor  # the rate's amount, before rounding, times the factor
        assert amount - 1 < boosted.credits <= amount + 1e-6  # rounded down once, at the end
        assert boosted.credits >= plain.credits
        assert line(boosted, "multiplier:x@v100").value == factor


@PROPERTY
@given(doc=documents)
def test_describe_names_every_rate_and_multiplier(doc):
    rules = parse_rules(doc)
    for lang in ("th", "en"):
        text = "\n".join(describe_rules(rules, lang=lang))
        for r in rules.rates:
            assert f"[{r.id}]" in text
        for m in rules.multipliers:
            assert f"[{m.id}]" in text


@PROPERTY
@given(mins=st.lists(st.integers(0, 10_000), unique=True, max_size=6), credits=st.integers(-10, 20_000))
def test_level_for_is_the_highest_threshold_reached(mins, credits):
    levels = tuple(Level(f"l{m}", f"ระดับ {m}", f"Level {m}", m) for m in mins)
    level = level_for(credits, levels)
    reached = [m for m in mins if m <= credits]
    assert (level.min_credits if level else None) == (max(reached) if reached else None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)
SECTIONS = ("schema", "rates", "default_rates", "multipliers", "caps", "two_approvers_above", "appeal_days", "levels")


@PROPERTY
@given(doc=st.dictionaries(st.sampled_from(SECTIONS), json_values, max_size=4))
def test_parse_rules_only_ever_refuses_with_rule_document_error(doc):
    # Any JSON object typed into the rulebook editor is either read or refused with its problems listed.
    try:
        parse_rules(doc)
    except RuleDocumentError as exc:
        assert exc.problems


# --- non-retroactivity at the selection level -----------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """A published rulebook version, as selectors.VersionCache holds it."""

    version_id: int
    effective_from: dt.date
    doc: dict[str, Any]


def in_force(versions: list[Version], day: dt.date) -> Version | None:
    """The published version with the latest effective date on or before ``day`` (the rule of
    creditrules.selectors.version_in_force and VersionCache.in_force)."""
    best = None
    for version in sorted(versions, key=lambda v: v.effective_from):
        if version.effective_from <= day:
            best = version
    return best


def rulesets_in_force(programme_versions: list[Version], local_versions: list[Version], day: dt.date) -> list[RuleSet]:
    out = []
    for (label_th, label_en), versions in (
        ((PROGRAMME_TH, PROGRAMME_EN), programme_versions),
        ((LOCAL_TH, LOCAL_EN), local_versions),
    ):
        version = in_force(versions, day)
        if version is not None:
            out.append(
                RuleSet(label_th, label_en, version.version_id, version.effective_from, parse_rules(version.doc))
            )
    return out


class TestInForce:
    def test_the_latest_version_on_or_before_the_day(self):
        v1 = Version(1, dt.date(2026, 1, 1), {})
        v2 = Version(2, dt.date(2026, 6, 1), {})
        v3 = Version(3, dt.date(2027, 1, 1), {})
        versions = [v3, v1, v2]
        assert in_force(versions, dt.date(2025, 12, 31)) is None
        assert in_force(versions, dt.date(2026, 1, 1)) == v1
        assert in_force(versions, dt.date(2026, 5, 31)) == v1
        assert in_force(versions, dt.date(2026, 6, 1)) == v2
        assert in_force(versions, dt.date(2030, 1, 1)) == v3
        assert in_force([], dt.date(2030, 1, 1)) is None

    def test_a_new_version_does_not_change_an_earlier_deed(self):
        old = Version(1, dt.date(2026, 1, 1), {"rates": [rate(credits=5)]})
        new = Version(2, dt.date(2026, 12, 1), {"rates": [rate(credits=50)], "multipliers": [area_multiplier("71")]})
        deed = facts(quantity=2, done_on=dt.date(2026, 11, 30))
        before = compute_award(deed, rulesets_in_force([old], [], deed.done_on))
        after = compute_award(deed, rulesets_in_force([old, new], [], deed.done_on))
        assert before == after
        assert after.credits == 10
        assert after.version_ids == (1,)
        first_day = dt.date(2026, 12, 1)
        later = compute_award(facts(quantity=2, done_on=first_day), rulesets_in_force([old, new], [], first_day))
        assert later.credits == 150
        assert later.version_ids == (2,)


@st.composite
def version_histories(draw: st.DrawFn, first_id: int) -> list[Version]:
    """Published versions with rising effective dates (publishing refuses a date on or before the latest)."""
    day = draw(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    out = []
    for i in range(draw(st.integers(0, 4))):
        out.append(Version(first_id + i, day, draw(documents)))
        day += dt.timedelta(days=draw(st.integers(1, 120)))
    return out


@PROPERTY
@given(
    programme_versions=version_histories(100),
    local_versions=version_histories(200),
    data=st.data(),
)
def test_a_later_version_never_changes_the_award_for_an_earlier_deed(programme_versions, local_versions, data):
    versions = programme_versions + local_versions
    newest = max((v.effective_from for v in versions), default=dt.date(2027, 6, 1))
    done_on = data.draw(st.dates(dt.date(2025, 11, 1), newest - dt.timedelta(days=1)), label="done_on")
    deed = dataclasses.replace(data.draw(deeds, label="deed"), done_on=done_on)
    history = data.draw(histories, label="history")
    available = data.draw(allotments, label="allotment")
    before = compute_award(deed, rulesets_in_force(programme_versions, local_versions, done_on), history, available)

    # Then a new version is published, effective after every earlier one, in either rulebook
    later = Version(
        999,
        newest + dt.timedelta(days=data.draw(st.integers(1, 365), label="gap")),
        data.draw(documents, label="new rules"),
    )
    if data.draw(st.booleans(), label="in the local rulebook"):
        local_versions = [*local_versions, later]
    else:
        programme_versions = [*programme_versions, later]
    after = compute_award(deed, rulesets_in_force(programme_versions, local_versions, done_on), history, available)

    assert after.credits == before.credits
    assert after.lines == before.lines
    assert after == before
    assert 999 not in after.version_ids
