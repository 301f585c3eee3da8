from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from thamdee.common.errors import DomainError, NotFoundError
from thamdee.creditrules import selectors, services
from thamdee.creditrules.models import Rulebook
from thamdee.creditrules.permissions import can_edit_rulebook
from thamdee.orgs.roles import roles_for
from thamdee.orgs.selectors import organisation_get
from thamdee.people.types import AuthedRequest


def _json_document(text: str) -> Any:
    """The editor's text read as JSON. A number longer than Python reads (a ValueError) or nesting deeper than its
    stack are wrong JSON too, told as such rather than as a wrong date, or a 500."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as exc:
        raise json.JSONDecodeError(str(exc).split(";")[0], text[:100], 0) from None


def _versions_with_diffs(book: Rulebook | None, names: dict[str, str]) -> list[dict[str, object]]:
    if book is None:
        return []
    lang = translation.get_language() or "th"
    versions = list(selectors.rulebook_versions_published(book))
    out = []
    for index, version in enumerate(versions):
        older = versions[index + 1] if index + 1 < len(versions) else None
        out.append(
            {
                "version": version,
                "lines": selectors.version_describe(version, names, lang),
                "diff": selectors.version_diff(older, version, names, lang) if older else [],
            }
        )
    return out


def index(request: HttpRequest) -> HttpResponse:
    """Public: every rulebook that gives credits, programme rulebooks first, each with its version in force."""
    today = timezone.localdate()
    books = [
        {"book": book, "in_force": selectors.version_in_force(book, today)}
        for book in Rulebook.objects.select_related("programme", "organisation").order_by(
            "programme__code", "organisation__name_th", "pk"
        )
    ]
    return render(request, "creditrules/index.html", {"books": books})


def organisation_rules(request: HttpRequest, public_id: str) -> HttpResponse:
    """Public: an organisation's catalogue and every version of the rules that give credits for it, with the
    difference between versions."""
    from django.apps import apps

    org = organisation_get(public_id)
    deed_type = apps.get_model("deeds", "DeedType")
    catalogue = deed_type.objects.filter(organisation=org, is_active=True).prefetch_related("virtues", "dimensions")
    if org.pk not in roles_for(request.user).orgs:
        catalogue = catalogue.filter(is_sensitive=False)
    programme_ids = set(catalogue.values_list("programme_id", flat=True))
    books = Rulebook.objects.filter(programme_id__in=programme_ids, organisation__isnull=True)
    local = Rulebook.objects.filter(organisation=org)
    shown = [*books, *local]
    names = selectors.deed_type_names(shown, organisation_id=org.pk, lang=translation.get_language() or "th")
    return render(
        request,
        "creditrules/organisation.html",
        {
            "org": org,
            "catalogue": catalogue.order_by("name_th"),
            "books": [{"book": b, "versions": _versions_with_diffs(b, names[b.pk])} for b in shown],
            "can_edit_local": can_edit_rulebook.test(request.user, local.first()) if local.exists() else False,
        },
    )


def rulebook(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        book = Rulebook.objects.select_related("programme", "organisation").get(public_id=public_id)
    except (Rulebook.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    return render(
        request,
        "creditrules/rulebook.html",
        {
            "book": book,
            "versions": _versions_with_diffs(
                book, selectors.deed_type_names([book], lang=translation.get_language() or "th")[book.pk]
            ),
            "can_edit": can_edit_rulebook.test(request.user, book),
        },
    )


@login_required
def edit(request: AuthedRequest, public_id: str) -> HttpResponse:
    """Draft the next version as a rule document, and publish it with an effective date (from
    ``selectors.earliest_effective_from`` on)."""
    try:
        book = Rulebook.objects.select_related("programme", "organisation").get(public_id=public_id)
    except (Rulebook.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    if not can_edit_rulebook.test(request.user, book):
        raise NotFoundError()
    draft = book.versions.filter(published_at__isnull=True).first()
    latest = book.versions.filter(published_at__isnull=False).order_by("-number").first()
    current = draft or latest
    text = json.dumps(
        current.rules if current is not None else {"schema": 1, "rates": []}, ensure_ascii=False, indent=2
    )
    error = None
    if request.method == "POST":
        text = request.POST.get("rules", "")
        try:
            document = _json_document(text)
            draft = services.rulebook_version_draft(
                actor=request.user, rulebook=book, rules=document, notes=request.POST.get("notes", "")
            )
            if request.POST.get("publish"):
                effective = dt.date.fromisoformat(request.POST.get("effective_from", ""))
                services.rulebook_version_publish(actor=request.user, version=draft, effective_from=effective)
                messages.success(request, _("ประกาศกติกาฉบับที่ %(n)s แล้ว") % {"n": draft.number})
                return redirect("creditrules:rulebook", public_id=book.public_id)
            messages.success(request, _("บันทึกร่างแล้ว"))
            return redirect("creditrules:edit", public_id=book.public_id)
        except json.JSONDecodeError as exc:
            error = _("รูปแบบ JSON ไม่ถูกต้อง: %(e)s") % {"e": exc}
        except ValueError:
            error = _("วันที่มีผลไม่ถูกต้อง")
        except DomainError as exc:
            error = str(exc)
    return render(
        request,
        "creditrules/edit.html",
        {
            "book": book,
            "text": text,
            "error": error,
            "draft": draft,
            "latest": latest,
            "earliest": selectors.earliest_effective_from(book),
        },
        status=400 if error else 200,
    )
