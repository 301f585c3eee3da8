"""What each role sees on its home page. Each later part of the domain adds its own section here."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from thamdee.orgs import selectors as org_selectors
from thamdee.orgs.roles import UserRoles


def build(request: HttpRequest, roles: UserRoles) -> dict[str, Any]:
    user = request.user
    context: dict[str, Any] = {
        "memberships": org_selectors.organisation_links_for_user(user),
        "is_organiser": bool(roles.org_ids_with("organiser", "verifier", "admin")),
        "is_agency": roles.is_agency_staff,
        "is_partner": bool(roles.org_ids_with("partner_staff")),
        "agency_posts": org_selectors.agency_posts_for(user) if roles.is_agency_staff else [],
    }
    from thamdee.ledger import selectors as ledger_selectors

    wallet = ledger_selectors.wallet_of(user)  # type: ignore[arg-type]  # home needs a signed-in user
    context["balance"] = int(wallet.balance or 0) if wallet else 0
    context["earned_total"] = int(wallet.earned_total) if wallet else 0
    context["member_sections"] = ["web/partials/balance_card.html"]
    from thamdee.recognition.selectors import home_context  # the member's level and latest badges

    context.update(home_context(user, earned_total=context["earned_total"]))  # the wallet is read once
    context["member_sections"].append("recognition/partials/home_card.html")
    return context
