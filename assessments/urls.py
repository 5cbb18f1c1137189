"""HTML page routes of assessments."""

from django.urls import path

from assessments import views

urlpatterns = [
    path(
        "certificates/<str:certificate_id>/",
        views.certificate_verify_page,
        name="certificate-verify",
    ),
    path(
        "certificates/<str:certificate_id>/certificate.pdf",
        views.certificate_pdf_download,
        name="certificate-pdf",
    ),
]
