"""The navigation that fits each role, and the inbox badge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from thamdee.inbox.selectors import notification_unread_count
from thamdee.orgs.roles import roles_for


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    icon: str


MEMBER = [
    NavItem(_("หน้าหลัก"), "web:home", "house"),
    NavItem(_("สมุดบัญชีความดี"), "ledger:passbook", "journal-text"),
    NavItem(_("บันทึกความดี"), "deeds:report", "plus-circle"),
    NavItem(_("สิทธิประโยชน์"), "rewards:catalogue", "gift"),
    NavItem(_("เกียรติบัตร"), "recognition:mine", "award"),
]
ORGANISER = [
    NavItem(_("คิวรับรอง"), "deeds:queue", "check2-square"),
    NavItem(_("กิจกรรม"), "deeds:activities", "calendar-event"),
]
AGENCY = [
    NavItem(_("แดชบอร์ด"), "reports:dashboard", "bar-chart"),
    NavItem(_("โควตาเครดิต"), "ledger:allotments", "bank"),
]
PARTNER = [NavItem(_("สแกนคูปอง"), "rewards:scan", "qr-code-scan")]
PUBLIC = [
    NavItem(_("ภาพรวม"), "reports:public", "globe2"),
    NavItem(_("แบบอย่างความดี"), "recognition:honours", "stars"),
    NavItem(_("องค์กร"), "orgs:list", "people"),
]


def _resolve(items: list[NavItem], path: str) -> list[dict[str, Any]]:
    out = []
    for item in items:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # a feature whose pages are not installed
        active = path == url if url == "/" else path.startswith(url)
        out.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return out


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    path = request.path
    if user is None or not user.is_authenticated:
        return {
            "nav_items": _resolve([NavItem(_("หน้าแรก"), "web:home", "house"), *PUBLIC], path),
            "unread_count": 0,
            "roles": None,
        }
    roles = roles_for(user)
    items = list(MEMBER)
    if roles.org_ids_with("organiser", "verifier", "admin"):
        items += ORGANISER
    if roles.is_agency_staff or roles.is_site_admin:
        items += AGENCY
    if roles.org_ids_with("partner_staff"):
        items += PARTNER
    items += PUBLIC
    return {
        "nav_items": _resolve(items, path),
        "unread_count": notification_unread_count(user),
        "roles": roles,
    }
