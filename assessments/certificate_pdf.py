"""A certificate as a printable PDF (A4 landscape), drawn with ReportLab.

It carries what the verification page shows — who, which course, taught by whom, when —
and the verification address, so a printed copy can be checked by anyone. A revoked
certificate's PDF says so across the page: a PDF cannot be taken back once downloaded,
but one fetched after the revocation never looks valid.
"""

from __future__ import annotations

from io import BytesIO

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from assessments.documents import Certificate

INK = HexColor("#1f2933")
MUTED = HexColor("#52606d")
ACCENT = HexColor("#1d4ed8")


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    buffer = BytesIO()
    width, height = landscape(A4)
    page = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=0)
    page.setTitle(f"Certificate · {certificate.course_title}")
    page.setAuthor("LearnStream")
    page.setSubject(f"Certificate of completion for {certificate.learner_name}")

    page.setStrokeColor(ACCENT)
    page.setLineWidth(3)
    page.rect(28, 28, width - 56, height - 56)

    center = width / 2
    page.setFillColor(ACCENT)
    page.setFont("Helvetica-Bold", 30)
    page.drawCentredString(center, height - 130, "Certificate of completion")
    page.setFillColor(MUTED)
    page.setFont("Helvetica", 14)
    page.drawCentredString(center, height - 180, "This certifies that")
    page.setFillColor(INK)
    page.setFont("Helvetica-Bold", 26)
    page.drawCentredString(center, height - 220, certificate.learner_name or "(no name given)")
    page.setFillColor(MUTED)
    page.setFont("Helvetica", 14)
    page.drawCentredString(center, height - 260, "completed the course")
    page.setFillColor(INK)
    page.setFont("Helvetica-Bold", 20)
    page.drawCentredString(
        center, height - 295, f"{certificate.course_title} (version {certificate.course_version})"
    )
    page.setFont("Helvetica", 13)
    facts = f"Issued {certificate.issued_at:%d %B %Y}"
    if certificate.instructor_name:
        facts = f"Taught by {certificate.instructor_name} · {facts}"
    page.drawCentredString(center, height - 335, facts)
    page.setFillColor(MUTED)
    page.setFont("Helvetica", 10)
    page.drawCentredString(center, 70, f"Verify this certificate at {verify_url}")

    if certificate.revoked_at is not None:
        page.saveState()
        page.setFillColor(Color(0.75, 0.1, 0.1, alpha=0.8))
        page.setFont("Helvetica-Bold", 64)
        page.translate(center, height / 2)
        page.rotate(20)
        page.drawCentredString(0, 0, "REVOKED")
        page.restoreState()
        page.setFillColor(INK)
        page.setFont("Helvetica", 11)
        revoked = f"Revoked on {certificate.revoked_at:%d %B %Y}: {certificate.revoked_reason}"
        page.drawCentredString(center, 100, revoked)

    page.showPage()
    page.save()
    return buffer.getvalue()
