"""Reads for pattern review, scoped to who asks: an organisation's admins see its patterns, site admins all;
nobody sees a pattern they are in (about them, or about deeds they recorded or decided on); agencies see none
(aggregates only)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from thamdee.anomalies.models import Anomaly
from thamdee.anomalies.permissions import can_review_anomaly
from thamdee.common.errors import NotFoundError
from thamdee.deeds.models import Deed
from thamdee.orgs.roles import roles_for
from thamdee.people.types import Actor


def anomaly_list_for_reviewer(*, viewer: Actor, status: str = "open", kind: str | None = None) -> QuerySet[Anomaly]:
    """The patterns the viewer may review, newest first: open ones by default, ``status`` picks another
    (``"all"``: every one)."""
    if not getattr(viewer, "is_authenticated", False):
        return Anomaly.objects.none()
    roles = roles_for(viewer)
    qs = Anomaly.objects.select_related("organisation", "person", "other", "reviewed_by")
    if not roles.is_site_admin:
        admin_of = roles.org_ids_with("admin")
        if not admin_of:
            return Anomaly.objects.none()
        qs = qs.filter(organisation_id__in=admin_of)
    qs = qs.exclude(Q(person_id=viewer.pk) | Q(other_id=viewer.pk)).exclude(involved=viewer.pk)
    if status and status != "all":
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def anomaly_get(*, viewer: Actor, public_id: str | uuid.UUID) -> Anomaly:
    anomaly = (
        Anomaly.objects.select_related("organisation", "person", "other", "reviewed_by")
        .filter(public_id=public_id)
        .first()
    )
    if anomaly is None or not can_review_anomaly.test(viewer, anomaly):
        raise NotFoundError()
    return anomaly


def anomaly_deeds(*, anomaly: Anomaly) -> list[Any]:
    """The deeds a pattern names, for its reviewer (who may see its organisation's deeds; a pattern across
    organisations is a site admin's): newest first."""
    deeds = Deed.objects.filter(pk__in=anomaly.deed_ids)
    if anomaly.organisation_id is not None:
        deeds = deeds.filter(organisation_id=anomaly.organisation_id)
    return list(deeds.select_related("deed_type", "member", "organisation").order_by("-done_on", "-pk"))


def can_review_any(viewer: Actor) -> bool:
    """Whether the menu shows the review queue: site admins and organisation admins."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    roles = roles_for(viewer)
    return bool(roles.is_site_admin or roles.org_ids_with("admin"))
