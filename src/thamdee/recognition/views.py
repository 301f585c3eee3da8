from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_GET, require_POST

from thamdee.common import thaitime
from thamdee.common.errors import DomainError, NotFoundError
from thamdee.common.ids import parse_uuid
from thamdee.common.parsing import year_param
from thamdee.creditrules.selectors import levels_of_programme
from thamdee.ledger.models import Programme
from thamdee.orgs.models import Membership, Organisation, OrgKind
from thamdee.orgs.roles import roles_for
from thamdee.orgs.selectors import organisation_get
from thamdee.people.models import ConsentPurpose, User
from thamdee.people.selectors import consent_purposes_active
from thamdee.people.types import AuthedRequest
from thamdee.recognition import contexts, selectors, services
from thamdee.recognition import credentials as vc
from thamdee.recognition.forms import (
    ConsentForm,
    NominationForm,
    PanelForm,
    RevokeForm,
    RoundForm,
    ScoreForm,
    VerifyForm,
)
from thamdee.recognition.models import (
    BadgeDefinition,
    CertificateStatus,
    CredentialKind,
    ExemplarCategory,
    ExemplarRound,
    HonourLevel,
    PanelMember,
    RoundStatus,
)
from thamdee.recognition.permissions import (
    can_manage_round,
    can_revoke_credential,
    can_set_badges,
    has_conflict,
    is_panel_member,
)

# --- members ---------------------------------------------------------------------------------------------------


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """The member's level, badges, honours and credentials; links for those who run rounds or nominate."""
    roles = roles_for(request.user)
    data = selectors.recognition_of(request.user)
    return render(
        request,
        "recognition/mine.html",
        {
            "r": data,
            "can_nominate": bool(roles.org_ids_with("admin", "organiser")),
            "is_agency": roles.is_agency_staff or roles.is_site_admin,
            "sits_on_panel": PanelMember.objects.filter(user=request.user).exists(),
            "admin_orgs": Organisation.objects.filter(pk__in=roles.org_ids_with("admin")).order_by("name_th"),
        },
    )


@login_required
def credential(request: AuthedRequest, public_id: str) -> HttpResponse:
    item = selectors.credential_get_visible_to(viewer=request.user, public_id=public_id)
    import segno

    url = vc.verify_url(item.public_id)
    return render(
        request,
        "recognition/credential.html",
        {
            "c": item,
            "own": item.member_id == request.user.pk,
            "verify_url": url,
            "qr": segno.make(url, error="m").svg_data_uri(scale=5, border=2),
            "can_revoke": can_revoke_credential.test(request.user, item) and not item.is_revoked,
            "revoke_form": RevokeForm(),
        },
    )


@login_required
def certificate(request: AuthedRequest, public_id: str) -> HttpResponseBase:
    """POST asks for the PDF (made by a background task); GET downloads it once it is ready."""
    item = selectors.credential_get_visible_to(viewer=request.user, public_id=public_id)
    if request.method == "POST":
        try:
            item = services.certificate_request(actor=request.user, credential=item)
        except DomainError as exc:
            messages.error(request, str(exc))
        if getattr(request, "htmx", False):
            return render(request, "recognition/partials/certificate_status.html", {"c": item})
        return redirect("recognition:credential", public_id=item.public_id)
    if item.member_id != request.user.pk:
        raise NotFoundError()
    if item.is_revoked or item.certificate_status != CertificateStatus.READY or not item.certificate:
        return redirect("recognition:credential", public_id=item.public_id)
    response = FileResponse(item.certificate.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="thamdee-certificate-{str(item.public_id)[:8]}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_status(request: AuthedRequest, public_id: str) -> HttpResponse:
    """The fragment htmx polls while a certificate is being prepared."""
    item = selectors.credential_get_visible_to(viewer=request.user, public_id=public_id)
    return render(request, "recognition/partials/certificate_status.html", {"c": item})


@login_required
def credential_file(request: AuthedRequest, public_id: str, kind: str) -> HttpResponse:
    """The credential itself, to keep in a wallet or hand to anyone: the signed JWT, or a badge image with it
    baked in."""
    item = selectors.credential_get_visible_to(viewer=request.user, public_id=public_id)
    short = str(item.public_id)[:8]
    if kind == "jwt":
        response = HttpResponse(item.token, content_type="application/vc+jwt; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="thamdee-credential-{short}.jwt"'
        return response
    if kind == "svg":
        from django.template.loader import render_to_string

        svg = render_to_string("recognition/badge.svg", {"c": item}).encode()
        response = HttpResponse(vc.baked_svg(item.token, svg), content_type="image/svg+xml")
        response["Content-Disposition"] = f'attachment; filename="thamdee-badge-{short}.svg"'
        response["Content-Security-Policy"] = "default-src 'none'"
        return response
    raise NotFoundError()


@login_required
@require_POST
def revoke(request: AuthedRequest, public_id: str) -> HttpResponse:
    item = selectors.credential_get_visible_to(viewer=request.user, public_id=public_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("โปรดระบุเหตุผลที่เพิกถอน"))
    else:
        try:
            services.credential_revoke(actor=request.user, credential=item, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("เพิกถอนใบรับรองแล้ว ผู้ตรวจสอบทุกคนจะเห็นสถานะนี้"))
    return redirect("recognition:credential", public_id=item.public_id)


# --- honours ---------------------------------------------------------------------------------------------------


def honours(request: HttpRequest) -> HttpResponse:
    """The public honour roll: only what each honoured person consented to show."""
    years = selectors.honour_years()
    fiscal_year = year_param(request.GET.get("fy"))
    level = request.GET.get("level", "")
    if level not in HonourLevel.values:
        level = ""
    items = list(selectors.honours_public(fiscal_year=fiscal_year, level=level)[:300])
    return render(
        request,
        "recognition/honours.html",
        {"items": items, "years": years, "fiscal_year": fiscal_year, "level": level, "levels": HonourLevel.choices},
    )


def _honour_photo_public(request: HttpRequest, public_id: str) -> Any:
    """The honour whose photo may be shown to anyone now, or None; read once a request (the ETag and the view)."""
    if not hasattr(request, "_honour_photo"):
        try:
            honour = selectors.honour_get_public(public_id)
        except NotFoundError:
            honour = None
        shown = honour is not None and honour.public_photo and honour.photo  # type: ignore[attr-defined]
        request._honour_photo = honour if shown else None  # type: ignore[attr-defined]
    return request._honour_photo  # type: ignore[attr-defined]


def _honour_photo_etag(request: HttpRequest, public_id: str) -> str | None:
    honour = _honour_photo_public(request, public_id)
    return hashlib.sha256(honour.photo.name.encode()).hexdigest()[:32] if honour is not None else None


# Revalidated on every view (a 304 while it is unchanged), never kept on trust: when the person withdraws their
# consent, the photo must go at once, from shared caches too, not within minutes.
@condition(etag_func=_honour_photo_etag)
@cache_control(public=True, no_cache=True)
def honour_photo(request: HttpRequest, public_id: str) -> HttpResponseBase:
    honour = _honour_photo_public(request, public_id)
    if honour is None:
        raise NotFoundError()
    response = FileResponse(honour.photo.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def consent(request: AuthedRequest, public_id: str) -> HttpResponse:
    """The honoured person's own screen: what would be published, each item ticked by them or not at all, and a
    way to say no."""
    honour = selectors.honour_get_for_holder(viewer=request.user, public_id=public_id)
    form = ConsentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "decline":
                services.honour_decline(actor=request.user, honour=honour)
                messages.success(request, _("บันทึกแล้ว: จะไม่มีการเผยแพร่ข้อมูลของคุณ"))
                return redirect("recognition:mine")
            if form.is_valid():
                data = form.cleaned_data
                services.honour_consent(
                    actor=request.user,
                    honour=honour,
                    show_name=data["show_name"],
                    show_photo=data["show_photo"],
                    show_story=data["show_story"],
                    photo=data["photo"].read() if data["photo"] else None,
                    guardian_name=data["guardian_name"],
                )
                messages.success(request, _("ขอบคุณ บันทึกความยินยอมแล้ว ถอนความยินยอมได้ทุกเมื่อที่หน้าเกียรติบัตรของฉัน"))
                return redirect("recognition:mine")
        except DomainError as exc:
            form.add_error(None, str(exc))
        status = 400
    # The roll shows a name or a photo only while the profile's consent to publish it is active too: say so here.
    active = consent_purposes_active(request.user)
    profile = {
        "profile_name": ConsentPurpose.PUBLISH_NAME in active,
        "profile_photo": ConsentPurpose.PUBLISH_PHOTO in active,
    }
    return render(request, "recognition/consent.html", {"h": honour, "form": form, **profile}, status=status)


@login_required
@require_POST
def withdraw(request: AuthedRequest, public_id: str) -> HttpResponse:
    honour = selectors.honour_get_for_holder(viewer=request.user, public_id=public_id)
    try:
        services.honour_consent_withdraw(actor=request.user, honour=honour)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("ถอนความยินยอมแล้ว ข้อมูลของคุณไม่แสดงบนหน้าสาธารณะอีก"))
    return redirect("recognition:mine")


# --- verification (public) ------------------------------------------------------------------------------------


def _result(verification: vc.Verification) -> dict[str, Any]:
    return {"v": verification, "s": vc.summary(verification.trusted_payload)}


def verify(request: HttpRequest) -> HttpResponse:
    """Anyone checks a credential: paste it, upload it, or scan a certificate's QR code."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            raw: bytes | str = upload.read() if upload else form.cleaned_data["credential"]
            context.update(_result(vc.verify_token(vc.extract_token(raw))))
        else:
            status = 400
    return render(request, "recognition/verify.html", context, status=status)


def verify_id(request: HttpRequest, public_id: str) -> HttpResponse:
    """Where a certificate's QR code leads: the stored credential, verified as any other would be."""
    item = selectors.credential_get_public(public_id)
    return render(
        request, "recognition/verify.html", {"form": None, "from_qr": True, **_result(vc.verify_token(item.token))}
    )


@require_GET
def verify_file(request: HttpRequest, public_id: str) -> HttpResponse:
    """The signed JWT of an assessment's result, for anyone (it names an organisation or a province, no person): to
    keep, or to check offline against the issuer's published key. A member's credential is handed out only to its
    holder and issuer (``credential_file``): not found here."""
    item = selectors.credential_get_public(public_id)
    if item.kind != CredentialKind.RESULT:
        raise NotFoundError()
    response = HttpResponse(item.token, content_type="application/vc+jwt; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="thamdee-result-{str(item.public_id)[:8]}.jwt"'
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- published documents ----------------------------------------------------------------------------------------


def _json(data: Any, content_type: str = "application/json") -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def issuer(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.issuer_get(public_id)
    return render(
        request,
        "recognition/issuer.html",
        {"issuer": item, "keys": list(item.keys.all()), "status_url": vc.status_list_url(item)},
    )


@require_GET
def issuer_did(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.issuer_get(public_id)
    return _json(vc.did_document(item, list(item.keys.all())), "application/did+json")


@require_GET
def issuer_jwks(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.issuer_get(public_id)
    return _json(vc.jwks(list(item.keys.all())), "application/jwk-set+json")


@require_GET
def status_list(request: HttpRequest, public_id: str, purpose: str) -> HttpResponse:
    item = selectors.status_list_get(selectors.issuer_get(public_id), purpose)
    response = HttpResponse(item.token, content_type="application/vc+jwt")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def context(request: HttpRequest, name: str) -> HttpResponse:
    try:
        data = contexts.read(name)
    except contexts.UnpinnedContextError:
        raise Http404() from None
    response = HttpResponse(data, content_type="application/ld+json")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@require_GET
def contexts_index(request: HttpRequest) -> JsonResponse:
    """Which context URL each local copy stands for, with its SHA-256."""
    return JsonResponse(
        {
            "contexts": [
                {
                    "url": c.url,
                    "local": reverse("recognition:context", args=[c.filename]),
                    "sha256": c.sha256,
                    "source": c.source,
                }
                for c in contexts.PINNED
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def achievement(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    """What an achievement means (its id in every credential is this page)."""
    title, criteria = "", ""
    if kind == "badge":
        definition = BadgeDefinition.objects.filter(code=code).first()
        if definition is None:
            raise NotFoundError()
        title, criteria = definition.display_name(), definition.criteria()
    elif kind == "level":
        programme_code, _sep, level_code = code.rpartition(".")
        programme = Programme.objects.filter(code=programme_code).first()
        level = (
            next((lvl for lvl in levels_of_programme(programme.pk) if lvl.code == level_code), None)
            if programme
            else None
        )
        if programme is None or level is None:
            raise NotFoundError()
        title = level.name_th
        criteria = _("เครดิตสะสมจากความดีที่ได้รับการรับรองตั้งแต่ %(n)s เครดิตขึ้นไป (%(p)s)") % {
            "n": f"{level.min_credits:,}",
            "p": programme.display_name(),
        }
    elif kind == "honour":
        round_id, _sep, category = code.rpartition(".")
        round_uuid = parse_uuid(round_id) if len(round_id) == 36 else None
        round_ = (
            ExemplarRound.objects.filter(public_id=round_uuid).select_related("agency").first()
            if round_uuid is not None
            else None
        )
        if round_ is None or category not in ExemplarCategory.values:
            raise NotFoundError()
        year = thaitime.fiscal_year_label(round_.fiscal_year)
        title = f"{ExemplarCategory(category).label} · {round_.get_level_display()} · {year}"
        criteria = "; ".join(c.text_th for c in round_.criteria.all())
    elif kind == "result":
        spec = selectors.result_achievement_get(code)
        if spec is None:
            raise NotFoundError()
        title, criteria = spec.name_th, spec.criteria_th
    else:
        raise NotFoundError()
    return render(request, "recognition/achievement.html", {"kind": kind, "title": title, "criteria": criteria})


# --- exemplar rounds ------------------------------------------------------------------------------------------


@login_required
def rounds(request: AuthedRequest) -> HttpResponse:
    roles = roles_for(request.user)
    agencies = _agencies_of(request.user)
    return render(
        request,
        "recognition/rounds.html",
        {"items": selectors.rounds_for(request.user), "can_create": bool(agencies) or roles.is_site_admin},
    )


def _agencies_of(user: User) -> Any:
    roles = roles_for(user)
    if roles.is_site_admin:
        return Organisation.objects.filter(kind=OrgKind.AGENCY).order_by("name_th")
    return Organisation.objects.filter(pk__in={p.agency_id for p in roles.agency_posts}).order_by("name_th")


@login_required
def round_new(request: AuthedRequest) -> HttpResponse:
    agencies = _agencies_of(request.user)
    if not agencies.exists():
        raise NotFoundError()
    form = RoundForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.round_create(
                actor=request.user,
                agency=data["agency"],
                fiscal_year=data["fiscal_year"],
                level=data["level"],
                area=data["area"],
                title_th=data["title_th"],
                criteria=[services.CriterionInput(text_th=t, max_score=s) for t, s in data["criteria"]],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("เปิดรอบคัดเลือกแล้ว โปรดแต่งตั้งคณะกรรมการอย่างน้อย 3 คน"))
            return redirect("recognition:round", public_id=item.public_id)
    return render(
        request, "recognition/round_new.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@login_required
def round_detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    item = selectors.round_get_visible_to(viewer=request.user, public_id=public_id)
    manager = can_manage_round.test(request.user, item)
    panel = list(item.panel.all())
    return render(
        request,
        "recognition/round.html",
        {
            "round": item,
            "manager": manager,
            "panelist": is_panel_member.test(request.user, item),
            "panel": panel,
            "criteria": selectors.criteria_of(item),
            "rows": selectors.nominations_of_round(viewer=request.user, round=item),
            "orgs": selectors.nominating_orgs_for(request.user, item) if item.status == RoundStatus.OPEN else [],
            "panel_form": PanelForm(initial={"members": "\n".join(p.user.mobile or p.user.username for p in panel)}),
        },
    )


def _round_action(request: AuthedRequest, public_id: str, action: Any, done: str) -> HttpResponse:
    item = selectors.round_get_visible_to(viewer=request.user, public_id=public_id)
    try:
        action(item)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("recognition:round", public_id=item.public_id)


@login_required
@require_POST
def round_panel(request: AuthedRequest, public_id: str) -> HttpResponse:
    form = PanelForm(request.POST)
    names = form.cleaned_data["members"] if form.is_valid() else []
    users = list(User.objects.filter(Q(mobile__in=names) | Q(username__in=names), is_active=True))

    def act(item: ExemplarRound) -> None:
        if len(users) != len(set(names)):
            raise DomainError(_("ไม่พบผู้ใช้บางคนในรายชื่อ โปรดตรวจเบอร์มือถือหรือชื่อผู้ใช้"))
        services.panel_set(actor=request.user, round=item, members=users)

    return _round_action(request, public_id, act, _("บันทึกคณะกรรมการแล้ว"))


@login_required
@require_POST
def round_close(request: AuthedRequest, public_id: str) -> HttpResponse:
    return _round_action(
        request,
        public_id,
        lambda item: services.round_close_nominations(actor=request.user, round=item),
        _("ปิดรับการเสนอชื่อแล้ว คณะกรรมการให้คะแนนได้"),
    )


@login_required
@require_POST
def round_decide(request: AuthedRequest, public_id: str) -> HttpResponse:
    return _round_action(
        request,
        public_id,
        lambda item: services.round_decide(actor=request.user, round=item),
        _("ประกาศผลแล้ว"),
    )


@login_required
def nominate(request: AuthedRequest, public_id: str) -> HttpResponse:
    item = selectors.round_get_visible_to(viewer=request.user, public_id=public_id)
    orgs = selectors.nominating_orgs_for(request.user, item)
    if not orgs:
        raise NotFoundError()
    org = next((o for o in orgs if str(o.public_id) == request.GET.get("org", "")), orgs[0])
    members = User.objects.filter(
        memberships__organisation=org, memberships__is_active=True, memberships__is_member=True, is_active=True
    ).order_by("first_name", "last_name")
    form = NominationForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.nomination_submit(
                actor=request.user,
                round=item,
                organisation=org,
                nominee=data["nominee"],
                category=data["category"],
                reasons=data["reasons"],
                evidence=data["evidence"],
                public_story=data["public_story"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("เสนอชื่อแล้ว"))
            return redirect("recognition:round", public_id=item.public_id)
    return render(
        request,
        "recognition/nominate.html",
        {"round": item, "orgs": orgs, "org": org, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def nomination(request: AuthedRequest, public_id: str) -> HttpResponse:
    """A nomination's papers, and the scoring form for a panel member without a conflict of interest."""
    item = selectors.nomination_get_visible_to(viewer=request.user, public_id=public_id)
    criteria = selectors.criteria_of(item.round)
    row = next(
        r for r in selectors.nominations_of_round(viewer=request.user, round=item.round) if r.nomination.pk == item.pk
    )
    form = ScoreForm(request.POST or None, criteria=criteria, initial_scores=row.my_scores)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.score_submit(
                    actor=request.user, nomination=item, scores=form.scores(), comment=form.cleaned_data["comment"]
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
                status = exc.status
            else:
                messages.success(request, _("บันทึกคะแนนแล้ว"))
                return redirect("recognition:round", public_id=item.round.public_id)
        else:
            status = 400
    return render(
        request,
        "recognition/nomination.html",
        {
            "n": item,
            "row": row,
            "form": form,
            "conflict": is_panel_member.test(request.user, item.round) and has_conflict.test(request.user, item),
            "manager": can_manage_round.test(request.user, item.round),
        },
        status=status,
    )


@login_required
@require_POST
def nomination_select(request: AuthedRequest, public_id: str) -> HttpResponse:
    item = selectors.nomination_get_visible_to(viewer=request.user, public_id=public_id)
    try:
        services.nomination_select(actor=request.user, nomination=item)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("คัดเลือกแล้ว ระบบขอความยินยอมจากผู้ได้รับคัดเลือกก่อนเผยแพร่"))
    return redirect("recognition:round", public_id=item.round.public_id)


# --- organisations -------------------------------------------------------------------------------------------


@login_required
def badge_settings(request: AuthedRequest, public_id: str) -> HttpResponse:
    org = organisation_get(public_id)
    if not can_set_badges.test(request.user, org):
        raise NotFoundError()
    if request.method == "POST":
        enabled = request.POST.get("enabled") == "1"
        services.badge_setting_set(actor=request.user, organisation=org, enabled=enabled)
        messages.success(request, _("เปิดการมอบเหรียญแล้ว") if enabled else _("ปิดการมอบเหรียญแล้ว"))
        return redirect("recognition:badge_settings", public_id=org.public_id)
    members = Membership.objects.filter(organisation=org, is_active=True).count()
    return render(
        request,
        "recognition/badge_settings.html",
        {
            "org": org,
            "enabled": selectors.badges_enabled(org),
            "members": members,
            "issued": selectors.credentials_issued_by(viewer=request.user, organisation=org)[:50],
        },
    )
