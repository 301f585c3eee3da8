"""Pattern review on the web: the queue of an organisation's admins (and site admins), one pattern with the deeds
it names, and the reviewer's decision. Every rule is in ``services`` and ``selectors``: a pattern its viewer may
not review (one they are in, another organisation's) is not found."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from thamdee.anomalies import selectors, services
from thamdee.anomalies.forms import AnomalyReviewForm
from thamdee.anomalies.models import Anomaly, AnomalyKind, AnomalyStatus
from thamdee.common.errors import DomainError, NotFoundError
from thamdee.people.types import AuthedRequest

STATUS_FILTERS = [*AnomalyStatus.choices, ("all", gettext_lazy("ทุกสถานะ"))]
PAGE_SIZE = 50


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    """The patterns the viewer may review, open ones first by default; filtered by status and kind."""
    if not selectors.can_review_any(request.user):
        raise NotFoundError()
    status = request.GET.get("status", "")
    status = status if status in {value for value, _label in STATUS_FILTERS} else AnomalyStatus.OPEN
    kind = request.GET.get("kind", "")
    kind = kind if kind in AnomalyKind.values else ""
    items = selectors.anomaly_list_for_reviewer(viewer=request.user, status=status, kind=kind or None)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "anomalies/queue.html",
        {"page": page, "status": status, "kind": kind, "statuses": STATUS_FILTERS, "kinds": AnomalyKind.choices},
    )


def _detail_page(
    request: AuthedRequest,
    anomaly: Anomaly,
    form: AnomalyReviewForm,
    *,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "anomalies/detail.html",
        {"anomaly": anomaly, "deeds": selectors.anomaly_deeds(anomaly=anomaly), "form": form, "error": error},
        status=status,
    )


@login_required
def detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    anomaly = selectors.anomaly_get(viewer=request.user, public_id=public_id)
    return _detail_page(request, anomaly, AnomalyReviewForm())


@login_required
@require_POST
def review(request: AuthedRequest, public_id: str) -> HttpResponse:
    """Close a pattern as dismissed or actioned, with a note. A refusal re-renders the page with the reason and
    what was typed (400; 409 when someone else closed it first, whose decision the page then shows)."""
    anomaly = selectors.anomaly_get(viewer=request.user, public_id=public_id)
    form = AnomalyReviewForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, anomaly, form, status=400)
    try:
        services.anomaly_review(
            actor=request.user,
            anomaly=anomaly,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except NotFoundError:
        raise
    except DomainError as exc:
        form.add_error(None, str(exc))
        fresh = selectors.anomaly_get(viewer=request.user, public_id=public_id)
        return _detail_page(request, fresh, form, error=exc, status=exc.status)
    messages.success(request, _("บันทึกผลการตรวจทานแล้ว"))
    return redirect("anomalies:queue")
