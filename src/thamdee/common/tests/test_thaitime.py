import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from thamdee.common import thaitime


class TestFiscalYear:
    def test_fy2570_runs_from_1_october_2026_to_30_september_2027(self):
        # Given the fiscal year named 2570 (stored as its CE end year 2027)
        start, end = thaitime.fiscal_year_bounds(2027)
        # Then it runs from 1 Oct 2026 to 30 Sep 2027
        assert (start, end) == (dt.date(2026, 10, 1), dt.date(2027, 9, 30))
        assert thaitime.be_year(2027) == 2570

    @pytest.mark.parametrize(
        ("day", "fiscal_year"),
        [
            (dt.date(2026, 9, 30), 2026),
            (dt.date(2026, 10, 1), 2027),
            (dt.date(2026, 12, 31), 2027),
            (dt.date(2027, 1, 1), 2027),
            (dt.date(2027, 9, 30), 2027),
            (dt.date(2027, 10, 1), 2028),
        ],
    )
    def test_the_fiscal_year_of_a_day(self, day, fiscal_year):
        assert thaitime.fiscal_year_of(day) == fiscal_year

    def test_a_fiscal_year_has_twelve_months_from_october(self):
        months = thaitime.fiscal_year_months(2027)
        assert months[0] == (2026, 10)
        assert months[-1] == (2027, 9)
        assert len(months) == 12

    def test_an_aware_datetime_is_read_in_bangkok_time(self):
        # 30 Sep 2026 18:00 UTC is already 1 Oct 2026 in Bangkok: FY2570.
        moment = dt.datetime(2026, 9, 30, 18, 0, tzinfo=dt.UTC)
        assert thaitime.fiscal_year_of(moment) == 2027


class TestDisplay:
    def test_thai_dates_show_the_buddhist_era(self):
        with translation.override("th"):
            assert thaitime.format_date(dt.date(2026, 11, 25)) == "25 พ.ย. 2569"
            assert thaitime.format_date(dt.date(2026, 11, 25), "long") == "25 พฤศจิกายน 2569"
            assert thaitime.fiscal_year_label(2027) == "ปีงบประมาณ 2570"

    def test_english_dates_show_the_common_era_and_fiscal_years_keep_their_be_name(self):
        with translation.override("en"):
            assert thaitime.format_date(dt.date(2026, 11, 25)) == "25 Nov 2026"
            assert thaitime.fiscal_year_label(2027) == "FY2570"

    def test_month_labels_for_charts(self):
        with translation.override("th"):
            assert thaitime.format_month(2026, 10) == "ต.ค. 69"
        with translation.override("en"):
            assert thaitime.format_month(2026, 10) == "Oct 2026"


class TestTemplateFilters:
    def render(self, source: str, **context) -> str:
        return Template(source).render(Context(context))

    def test_filters_are_built_in_to_every_template(self):
        with translation.override("th"):
            out = self.render(
                "{{ d|be_date }}|{{ d|be_date:'long' }}|{{ d|fiscal_year }}|{{ fy|fy_label }}|{{ y|be_year }}",
                d=dt.date(2026, 10, 1),
                fy=2027,
                y=2026,
            )
        assert out == "1 ต.ค. 2569|1 ตุลาคม 2569|2570|ปีงบประมาณ 2570|2569"

    def test_be_datetime_in_local_time(self):
        moment = dt.datetime(2026, 11, 25, 3, 5, tzinfo=dt.UTC)
        with translation.override("th"):
            assert self.render("{{ m|be_datetime }}", m=moment) == "25 พ.ย. 2569 10:05 น."

    def test_empty_values_render_nothing(self):
        assert self.render("[{{ d|be_date }}{{ d|fiscal_year }}{{ d|fy_label }}]", d=None) == "[]"
