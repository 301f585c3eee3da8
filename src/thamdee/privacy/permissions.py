"""Who may use the data-subject rights (django-rules). A person's rights are their own: nobody, site admins
included, exports or asks to erase someone else's data. Only site admins carry an erasure out."""

from __future__ import annotations

from typing import Any

import rules

from thamdee.people.permissions import is_self, is_site_admin

# (viewer, subject): the person themself, and nobody else.
can_export_data = is_self


@rules.predicate
def is_requester(user: Any, erasure: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and erasure is not None and erasure.user_id == user.pk)


can_cancel_erasure = is_requester
can_carry_out_erasure = is_site_admin
