"""The public certificate verification page: who, which course, taught by whom, when, and
whether it still stands. Nothing else about the learner is shown."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments import credentials
from assessments.certificates import certificate_get_public
from learnstream.errors import NotFound


@require_GET
def certificate_verify_page(request: HttpRequest, certificate_id: str) -> HttpResponse:
    try:
        certificate = certificate_get_public(certificate_id=certificate_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(
        request,
        "assessments/certificate_verify.html",
        {
            "certificate": certificate,
            "credential_url": credentials.certificate_credential_url(certificate.id),
            "jwks_url": credentials.site("/api/v1/certificates/issuer/jwks"),
        },
    )
