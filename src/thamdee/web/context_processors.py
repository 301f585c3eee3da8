"""The navigation that fits each role, and the inbox badge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from thamdee.anomalies.selectors import can_review_any
from thamdee.inbox.selectors import notification_unread_count
from thamdee.orgs.roles import roles_for


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    icon: str


@dataclass(frozen=True)
class NavGroup:
    """A dropdown in the navigation bar (a flat list on a phone)."""

    label: Any
    icon: str
    items: tuple[NavItem, ...]


MEMBER: list[NavItem | NavGroup] = [
    NavItem(_("หน้าหลัก"), "web:home", "house"),
    NavItem(_("สมุดบัญชีความดี"), "ledger:passbook", "journal-text"),
    NavItem(_("บันทึกความดี"), "deeds:report", "plus-circle"),
    NavItem(_("ความดีของฉัน"), "deeds:mine", "list-check"),
    NavItem(_("สิทธิประโยชน์"), "rewards:catalogue", "gift"),
    NavItem(_("เกียรติบัตร"), "recognition:mine", "award"),
]
ORGANISER = NavGroup(
    _("งานองค์กร"),
    "people-fill",
    (
        NavItem(_("คิวรับรอง"), "deeds:queue", "check2-square"),
        NavItem(_("กิจกรรม"), "deeds:activities", "calendar-event"),
        NavItem(_("เรื่องเล่าดี ๆ"), "reports:story_new", "journal-richtext"),
    ),
)
# Organisation admins (and site admins) also review the patterns found in their deeds: the same group with one item
# more, and for a site admin who runs no organisation, that item alone under the same heading.
REVIEW = NavItem(_("ตรวจทานรูปแบบผิดปกติ"), "anomalies:queue", "search")
# The yearly assessment of organisations and provinces: organisation admins, agency staff and site admins.
ASSESS = NavItem(_("ประเมินองค์กรคุณธรรม"), "assessments:index", "clipboard-check")
ORGANISER_REVIEWER = NavGroup(ORGANISER.label, ORGANISER.icon, (*ORGANISER.items, REVIEW, ASSESS))
REVIEWER = NavGroup(ORGANISER.label, ORGANISER.icon, (REVIEW, ASSESS))
# A verifier who neither organises nor runs an organisation writes no stories (reports.permissions.can_write_story).
VERIFIER = NavGroup(
    ORGANISER.label, ORGANISER.icon, tuple(i for i in ORGANISER.items if i.url_name != "reports:story_new")
)
VERIFIER_REVIEWER = NavGroup(ORGANISER.label, ORGANISER.icon, (*VERIFIER.items, REVIEW, ASSESS))
AGENCY = NavGroup(
    _("หน่วยงาน"),
    "building",
    (
        NavItem(_("แดชบอร์ด"), "reports:dashboard", "bar-chart"),
        NavItem(_("ตัวชี้วัดแผน"), "reports:kpis", "graph-up-arrow"),
        NavItem(_("พื้นที่เป้าหมาย"), "reports:targets", "bullseye"),
        NavItem(_("พิจารณาเรื่องเล่า"), "reports:stories_review", "journal-check"),
        NavItem(_("โควตาเครดิต"), "ledger:allotments", "bank"),
        NavItem(_("ภาคีสิทธิประโยชน์"), "rewards:partners", "shop"),
        NavItem(_("คัดเลือกแบบอย่างความดี"), "recognition:rounds", "trophy"),
        NavItem(_("แม่แบบความดีระดับประเทศ"), "deeds:templates", "collection"),
        ASSESS,
    ),
)
# An agency verifier's menu also holds the agency verification queue (a separate constant: menus are cached by
# the identities of their groups).
AGENCY_VERIFIER = NavGroup(
    AGENCY.label,
    AGENCY.icon,
    (NavItem(_("คิวรับรองของหน่วยงาน"), "deeds:agency_queue", "patch-check"), *AGENCY.items),
)
PARTNER = NavGroup(
    _("ภาคี"),
    "shop-window",
    (
        NavItem(_("สแกนคูปอง"), "rewards:scan", "qr-code-scan"),
        NavItem(_("รายการแลกสิทธิ์"), "rewards:redemptions", "receipt"),
        NavItem(_("หน้าภาคี"), "rewards:partner_home", "shop"),
    ),
)
PUBLIC = NavGroup(
    _("สาธารณะ"),
    "globe2",
    (
        NavItem(_("ภาพรวม"), "reports:public", "globe2"),
        NavItem(_("แบบอย่างความดี"), "recognition:honours", "stars"),
        NavItem(_("องค์กรคุณธรรม"), "assessments:roll", "award"),
        NavItem(_("เรื่องเล่าดี ๆ"), "reports:stories", "journal-richtext"),
        NavItem(_("ตรวจสอบเกียรติบัตร"), "recognition:verify", "patch-check"),
        NavItem(_("องค์กร"), "orgs:list", "people"),
        NavItem(_("กติกาเครดิต"), "creditrules:index", "book"),
    ),
)
ANONYMOUS: list[NavItem | NavGroup] = [NavItem(_("หน้าแรก"), "web:home", "house"), *PUBLIC.items]


# The navigation's URLs, reversed once per process (and script prefix): every page draws the whole menu.
_URLS: dict[tuple[str, str], str | None] = {}


def _url(name: str) -> str | None:
    key = (get_script_prefix(), name)
    if key not in _URLS:
        try:
            _URLS[key] = reverse(name)
        except NoReverseMatch:
            _URLS[key] = None  # a feature whose pages are not installed (or that needs arguments)
    return _URLS[key]


# The other links of the base template (brand, inbox, language, the user's menu, sign-in, footer), by name in the
# template: ``{{ site_urls.inbox }}`` instead of ``{% url 'inbox:list' %}``, reversed once per process.
SITE_URLS = {
    "home": "web:home",
    "inbox": "inbox:list",
    "set_language": "set_language",
    "profile": "people:profile",
    "my_orgs": "orgs:mine",
    "admin": "admin:index",
    "login": "people:login",
    "logout": "people:logout",
    "about": "web:about",
    "principles": "web:principles",
}
_SITE_URLS: dict[str, dict[str, str | None]] = {}


def _site_urls() -> dict[str, str | None]:
    prefix = get_script_prefix()
    if prefix not in _SITE_URLS:
        _SITE_URLS[prefix] = {key: _url(name) for key, name in SITE_URLS.items()}
    return _SITE_URLS[prefix]


def _active(url: str, path: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def _resolve(items: list[NavItem | NavGroup], path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, NavGroup):
            children = _resolve(list(item.items), path)
            if children:
                out.append(
                    {
                        "label": item.label,
                        "icon": item.icon,
                        "children": children,
                        "active": any(c["active"] for c in children),
                    }
                )
            continue
        url = _url(item.url_name)
        if url is None:
            continue
        out.append({"label": item.label, "url": url, "icon": item.icon, "active": _active(url, path)})
    return out


# The menu's HTML by script prefix, language, menu (which groups it holds) and the items that are active: the same
# few hundred menus are drawn on every page, and drawing one through the template cost 0.5 to 0.8 ms of CPU.
_MENUS: dict[tuple[Any, ...], SafeString] = {}


def _leaves(items: list[NavItem | NavGroup]) -> list[NavItem]:
    return [leaf for item in items for leaf in (item.items if isinstance(item, NavGroup) else (item,))]


def _menu(items: list[NavItem | NavGroup], path: str) -> SafeString:
    active = tuple(url for leaf in _leaves(items) if (url := _url(leaf.url_name)) and _active(url, path))
    # The items are this module's constants: their identities name the menu.
    key = (get_script_prefix(), get_language(), tuple(map(id, items)), active)
    menu = _MENUS.get(key)
    if menu is None:
        if len(_MENUS) > 4096:  # paths cannot grow it (only the menu's own URLs are keys), but stay bounded
            _MENUS.clear()
        menu = _MENUS[key] = SafeString(
            render_to_string("partials/nav_menu.html", {"nav_items": _resolve(items, path)})
        )
    return menu


def _runs_a_partner(roles: Any) -> bool:
    """Partner staff, or the admin of an organisation whose partner profile is approved (a savings group)."""
    if roles.org_ids_with("partner_staff"):
        return True
    admin_of = roles.org_ids_with("admin")
    if not admin_of:
        return False
    from thamdee.rewards.models import PartnerProfile, PartnerStatus

    return PartnerProfile.objects.filter(organisation_id__in=admin_of, status=PartnerStatus.APPROVED).exists()


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    path = request.path
    if user is None or not user.is_authenticated:
        return {
            "nav_menu": _menu(ANONYMOUS, path),
            "site_urls": _site_urls(),
            "unread_count": 0,
            "roles": None,
        }
    roles = roles_for(user)
    items = list(MEMBER)
    reviewer = can_review_any(user)  # from the roles already read: no query
    if roles.org_ids_with("organiser", "admin"):
        items.append(ORGANISER_REVIEWER if reviewer else ORGANISER)
    elif roles.org_ids_with("verifier"):
        items.append(VERIFIER_REVIEWER if reviewer else VERIFIER)
    elif reviewer:
        items.append(REVIEWER)
    if any(post.is_verifier for post in roles.agency_posts):
        items.append(AGENCY_VERIFIER)
    elif roles.is_agency_staff or roles.is_site_admin:
        items.append(AGENCY)
    if _runs_a_partner(roles):
        items.append(PARTNER)
    items.append(PUBLIC)
    return {
        "nav_menu": _menu(items, path),
        "site_urls": _site_urls(),
        "unread_count": notification_unread_count(user),
        "roles": roles,
    }
