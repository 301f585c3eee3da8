"""The certificate of a confirmed result (เกียรติบัตรองค์กรคุณธรรม / จังหวัดคุณธรรม): a Thai PDF naming the organisation
or province, the level, the fiscal year and the agency that confirmed it, with a QR code to its public
verification page on this site and, once its agency signed it, the id of its Open Badges 3.0 credential and the
issuer's DID. An organisation's or a province's result names no person."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from thamdee.assessments.models import Assessment
from thamdee.assessments.selectors import SignedResult
from thamdee.common.thaitime import be_year


def verify_url(assessment: Assessment) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse("assessments:verify", args=[assessment.public_id])


def issuer_name(assessment: Assessment) -> str:
    """Who confirmed the result, as the certificate names it (in Thai, an official document)."""
    agency = assessment.confirmed_by_agency
    return agency.name_th if agency is not None else "ระบบทำดี (Thamdee)"


def issuer_display_name(assessment: Assessment) -> str:
    """Who confirmed the result, in the reader's language (pages, the API, exports)."""
    agency = assessment.confirmed_by_agency
    return agency.display_name() if agency is not None else issuer_name(assessment)


def certificate_context(assessment: Assessment, signed: SignedResult | None = None) -> dict[str, Any]:
    import segno

    url = verify_url(assessment)
    return {
        "a": assessment,
        "signed": signed,
        "issuer_name": issuer_name(assessment),
        "subject_name": assessment.subject_name,
        "year_be": be_year(assessment.fiscal_year),
        "verify_url": url,
        "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=1),
    }


def certificate_pdf(assessment: Assessment, signed: SignedResult | None = None) -> bytes:
    """The certificate, in Thai whatever the viewer's language (an official document). Only for a result that
    has one (``Assessment.has_certificate``). ``signed``: the result's credential, whose id and issuer's DID it
    prints in small print (as recognition's certificates do)."""
    from thamdee.common.pdf import render_pdf

    assert assessment.has_certificate, "only a confirmed result at a level has a certificate"
    with translation.override("th"):
        return render_pdf("assessments/certificate_pdf.html", certificate_context(assessment, signed))


def certificate_filename(assessment: Assessment) -> str:
    name = "".join(ch for ch in assessment.subject_name if ch.isalnum() or ch in " -_").strip().replace(" ", "-")
    return f"เกียรติบัตร-{name or 'thamdee'}-{be_year(assessment.fiscal_year)}.pdf"
