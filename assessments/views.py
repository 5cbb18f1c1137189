"""The public certificate pages: the verification page (who, which course, taught by
whom, when, and whether it still stands) and the printable PDF. Nothing else about the
learner is shown. An unknown certificate is the site's 404 (the refusal middleware)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from assessments import credentials
from assessments.certificate_pdf import certificate_pdf
from assessments.certificates import certificate_get_public


@require_GET
def certificate_verify_page(request: HttpRequest, certificate_id: str) -> HttpResponse:
    certificate = certificate_get_public(certificate_id=certificate_id)
    return render(
        request,
        "assessments/certificate_verify.html",
        {
            "certificate": certificate,
            "credential_url": credentials.certificate_credential_url(certificate.id),
            "pdf_url": credentials.certificate_pdf_url(certificate.id),
            "jwks_url": credentials.site(reverse("certificate-jwks")),
        },
    )


@require_GET
def certificate_pdf_download(request: HttpRequest, certificate_id: str) -> HttpResponse:
    certificate = certificate_get_public(certificate_id=certificate_id)
    body = certificate_pdf(
        certificate=certificate, verify_url=credentials.certificate_verify_url(certificate.id)
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.id}.pdf"'
    # A revocation must show on the next download: never kept by a shared cache.
    response["Cache-Control"] = "no-cache"
    return response
