"""An agency user opens the dashboard, clicks a province on the map, and sees its districts."""

import pytest

from tests.browser.conftest import sign_in
from tests.factories import AgencyStaffFactory
from tests.worlds import build_world, verified_deeds

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-42"
KANCHANABURI = (99.0, 14.7)  # a point well inside the province (lon, lat)


def test_clicking_a_province_on_the_map_drills_down_to_its_districts(live_server, chromium):
    world = build_world()
    verified_deeds(world, 3)
    staff = AgencyStaffFactory(scope_area=None).user

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(20000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server.url, staff.username, PASSWORD)
    page.goto(f"{live_server.url}/reports/")
    the_map = page.locator("[data-testid=province-map]")
    the_map.scroll_into_view_if_needed()
    page.wait_for_selector("[data-testid=province-map][data-ready='1']")
    # Before the click the panel shows the whole country
    assert page.locator("[data-testid=drill-panel]").get_attribute("data-area") == ""

    # Where Kanchanaburi is drawn, in the chart's own pixels, then a real mouse click there
    x, y = page.evaluate(
        "([lon, lat]) => echarts.getInstanceByDom(document.querySelector('[data-testid=province-map]'))"
        ".convertToPixel({seriesIndex: 0}, [lon, lat])",
        list(KANCHANABURI),
    )
    box = the_map.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)

    page.wait_for_selector("[data-testid=drill-panel][data-area='71']")
    panel = page.locator("[data-testid=drill-panel]")
    text = panel.inner_text()
    assert "กาญจนบุรี" in text
    assert "อำเภอ" in text
    # Its districts are listed (the test loads only the areas it uses): Phanom Thuan, with its figures
    row = panel.locator("[data-area-code='7109']")
    assert row.count() == 1
    assert row.locator("td").all_inner_texts()[:4] == ["พนมทวน", "3", "3", "15"]
    assert not errors, errors
    context.close()
