"""Web pages for the data-subject rights: the person's own page (download, ask for erasure, cancel it) and the
site admins' erasure queue."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thamdee.common.errors import DomainError
from thamdee.people.types import AuthedRequest
from thamdee.privacy import selectors, services
from thamdee.privacy.errors import ErasureConfirmRequiredError
from thamdee.privacy.models import Channel, ErasureStatus


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """ข้อมูลของฉัน: download everything, ask for erasure (with what it does and what stands in the way)."""
    user = request.user
    return render(
        request,
        "privacy/mine.html",
        {
            "open_request": selectors.erasure_open_for(user),
            "past_requests": [r for r in selectors.erasure_list_for(user) if not r.is_open],
            "blockers": selectors.erasure_blockers(user),
            "balance": selectors.wallet_balance_of(user),
        },
    )


@login_required
@require_POST
def export(request: AuthedRequest) -> HttpResponse:
    """The person's data as one JSON file (a POST: each download is recorded, and no link fetches it by itself)."""
    data = services.data_export(actor=request.user, subject=request.user, channel=Channel.WEB)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"thamdee-my-data-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def honour_photo(request: AuthedRequest, public_id: str) -> FileResponse:
    """The photo the person gave with their consent to an honour, to them alone (the export links to it), whether
    or not the public roll shows it now: as a deed's photo is served, kept only in the viewer's own cache."""
    photo = selectors.honour_photo_for_holder(viewer=request.user, public_id=public_id)
    response = FileResponse(photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def erasure_request(request: AuthedRequest) -> HttpResponse:
    try:
        services.erasure_request(actor=request.user, confirmed=request.POST.get("confirm") == "1")
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("privacy:mine")
    messages.success(request, _("บันทึกคำขอลบข้อมูลแล้ว ยกเลิกได้จนกว่าจะดำเนินการ"))
    return redirect("privacy:mine")


@login_required
@require_POST
def erasure_cancel(request: AuthedRequest, public_id: str) -> HttpResponse:
    erasure = selectors.erasure_get_own(viewer=request.user, public_id=public_id)
    try:
        services.erasure_cancel(actor=request.user, erasure=erasure)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("ยกเลิกคำขอลบข้อมูลแล้ว"))
    return redirect("privacy:mine")


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    """Site admins: erasure requests, the nearest due date first (anyone else: not found)."""
    status = request.GET.get("status", ErasureStatus.REQUESTED)
    rows = list(selectors.erasure_queue(viewer=request.user, status=status)[:500])
    return render(
        request,
        "privacy/queue.html",
        {"rows": rows, "status": status, "statuses": ErasureStatus.choices, "today": timezone.localdate()},
    )


@login_required
def erasure_detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    erasure = selectors.erasure_get_for_admin(viewer=request.user, public_id=public_id)
    return _detail(request, erasure)


def _detail(request: AuthedRequest, erasure, error: DomainError | None = None) -> HttpResponse:  # type: ignore[no-untyped-def]
    return render(
        request,
        "privacy/erasure.html",
        {
            "erasure": erasure,
            "blockers": selectors.erasure_blockers(erasure.user) if erasure.is_open else [],
            "balance": selectors.wallet_balance_of(erasure.user),
            "error": error,
            "today": timezone.localdate(),
        },
        status=error.status if error else 200,
    )


@login_required
@require_POST
def erasure_carry_out(request: AuthedRequest, public_id: str) -> HttpResponse:
    erasure = selectors.erasure_get_for_admin(viewer=request.user, public_id=public_id)
    if request.POST.get("confirm") != "1":
        return _detail(request, erasure, ErasureConfirmRequiredError())
    try:
        services.erasure_carry_out(actor=request.user, erasure=erasure)
    except DomainError as exc:
        erasure.refresh_from_db()
        return _detail(request, erasure, exc)
    messages.success(request, _("ลบข้อมูลตามคำขอแล้ว"))
    return redirect("privacy:queue")
