"""A member signs in on a phone, sees the Thai home page, switches to English and signs out."""

import pytest

from tests.browser.conftest import open_menu, sign_in
from thamdee.web.demo.base import DEMO_PASSWORD, Demo
from thamdee.web.demo.base import run as load_demo_base

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_signs_in_switches_to_english_and_signs_out(live_server, phone):
    # Given the demo pilot's member login
    load_demo_base(Demo())
    # When she signs in on a phone
    sign_in(phone, live_server.url, "0810000001", DEMO_PASSWORD)
    # Then she sees her Thai home page
    greeting = phone.locator("[data-testid=home-greeting]")
    assert greeting.inner_text().startswith("สวัสดี")
    assert phone.locator("html").get_attribute("lang") == "th"
    assert phone.evaluate("getComputedStyle(document.body).fontFamily").startswith(
        '"Sarabun"'
    ) or "Sarabun" in phone.evaluate("getComputedStyle(document.body).fontFamily")
    # When she switches to English
    open_menu(phone)
    phone.click("[data-testid=lang-en]")
    phone.wait_for_load_state("networkidle")
    # Then the page is in English
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.locator("[data-testid=home-greeting]").inner_text().startswith("Hello")
    # When she signs out
    open_menu(phone)
    phone.click("[data-testid=user-menu]")
    phone.click("[data-testid=logout]")
    phone.wait_for_load_state("networkidle")
    # Then she is signed out, and no script broke on the way (CSP included)
    assert phone.locator("[data-testid=user-menu]").count() == 0
    assert (
        phone.locator("a[href='/accounts/login/']").first.is_visible() or phone.locator(".navbar-toggler").is_visible()
    )
    assert phone.console_errors == []
