"""Who may run a partner's benefits, confirm its vouchers, see them, and approve partners (django-rules).

A foreign voucher, offer or partner answers 404: predicates here are tested inside services and selectors, and a
refusal raises ``NotFoundError``.
"""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.permissions import is_agency_staff_over, is_org_admin, is_partner_staff
from thamdee.people.permissions import is_site_admin

# Partner-kind organisations have partner staff; a savings group offering a perk runs it through its admins.
is_benefit_staff = is_partner_staff | is_org_admin


@rules.predicate
def is_voucher_holder(user: Any, voucher: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and voucher is not None and voucher.member_id == user.pk)


class _Org:
    """Just enough of an organisation for the role predicates (they read ``pk``): no query for the partner row."""

    __slots__ = ("pk",)

    def __init__(self, pk: int) -> None:
        self.pk = pk


@rules.predicate
def is_staff_of_voucher_partner(user: Any, voucher: Any) -> bool:
    return voucher is not None and bool(is_benefit_staff.test(user, _Org(voucher.partner_id)))


# Vouchers: the member sees their own; the partner's staff see and confirm theirs. Nobody else, not even agencies.
can_view_voucher = is_voucher_holder | is_staff_of_voucher_partner
can_confirm_voucher = is_staff_of_voucher_partner
can_cancel_voucher = is_voucher_holder

# A partner's offers, redemptions and statements.
can_manage_offers = is_benefit_staff | is_site_admin
can_view_redemptions = is_benefit_staff | is_site_admin
# Agencies settle with partners, so they see statements (codes and totals, no member names) in their areas.
can_view_statement = is_benefit_staff | is_agency_staff_over | is_site_admin
# The programme settles a partner's month: agency staff over its area (as they approve partners and top up
# allotments) or site admins; never the partner's own staff or admins, even when they are agency staff too (a
# conflict of interest, as a verifier never verifies their own deed).
can_settle = (is_agency_staff_over | is_site_admin) & ~is_benefit_staff

# Partners: the organisation's admins apply; agency staff over its area (or site admins) decide, but never for a
# partner whose benefits they run themselves (its staff or admins): a conflict of interest, as for settling.
can_apply_as_partner = is_org_admin | is_agency_staff_over | is_site_admin
can_decide_partner = (is_agency_staff_over | is_site_admin) & ~is_benefit_staff
