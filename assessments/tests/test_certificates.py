"""Certificates: issued once on completion, verifiable signed out, signed credentials that
verify with the published key, revocation visible on the page and in the status list."""

from __future__ import annotations

import jwt
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from assessments.credentials import issuer_key_create
from assessments.documents import Certificate
from assessments.tests.test_completion import _watch
from catalog.access import lesson_facts_get
from devtools.api_world import ApiWorld, api_world_build
from learnstream.audit import AuditEntry
from tracking.services import progress_mark_complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings) -> ApiWorld:
    settings.CERTIFICATE_ISSUER_KEY_ID, settings.CERTIFICATE_ISSUER_PRIVATE_KEY = (
        issuer_key_create()
    )
    settings.SITE_URL = "https://learn.example"
    return api_world_build()


def _pass_quiz(world: ApiWorld) -> dict:
    url = f"/api/v1/lessons/{world.text_lesson.id}/quiz/attempts"
    response = world.client_for("enrolled").post(
        url, {"answers": {"q1": "b", "q2": 4}}, format="json"
    )
    assert response.status_code == 201
    return response.json()


def _complete_everything(world: ApiWorld) -> None:
    _watch(world, world.preview_lesson)
    _watch(world, world.video_lesson)
    progress_mark_complete(
        user_id=world.users["enrolled"].id, lesson=lesson_facts_get(lesson_id=world.text_lesson.id)
    )
    assert Certificate.objects.count() == 0  # the quiz is still required
    _pass_quiz(world)


def _certificates(world: ApiWorld, role: str = "enrolled") -> list[dict]:
    response = world.client_for(role).get("/api/v1/me/certificates")
    assert response.status_code == 200
    return response.json()["results"]


def test_completing_the_course_issues_exactly_one_certificate(world: ApiWorld):
    _complete_everything(world)
    assert Certificate.objects.count() == 1
    [message] = [m for m in mail.outbox if "certificate" in m.subject]
    assert message.to == [world.users["enrolled"].email]
    assert message.subject == "Your certificate for Matrix course is ready"
    issued = Certificate.objects.get()
    assert f"https://learn.example/certificates/{issued.id}/" in message.body
    _pass_quiz(world)  # passing again, reading completion again: still one
    completion = world.client_for("enrolled").get(f"/api/v1/courses/{world.course.slug}/completion")
    assert completion.json()["complete"] is True
    assert Certificate.objects.count() == 1
    assert len([m for m in mail.outbox if "certificate" in m.subject]) == 1
    [certificate] = _certificates(world)
    certificate_id = certificate["id"]
    assert completion.json()["certificate_id"] == certificate_id
    assert certificate == {
        "id": certificate_id,
        "course": {"slug": "matrix-course", "title": "Matrix course"},
        "course_version": 1,
        "issued_at": certificate["issued_at"],
        "verify_url": f"https://learn.example/certificates/{certificate_id}/",
        "pdf_url": f"https://learn.example/certificates/{certificate_id}/certificate.pdf",
        "credential_url": f"https://learn.example/api/v1/certificates/{certificate_id}/credential",
        "revoked": False,
    }
    assert _certificates(world, "student") == []
    my_learning = Client()
    my_learning.force_login(world.users["enrolled"])
    html = my_learning.get("/my/").content.decode()
    assert f'href="https://learn.example/certificates/{certificate_id}/">Matrix course</a>' in html


def test_no_certificate_when_the_course_gives_none(world: ApiWorld):
    url = f"/api/v1/instructor/courses/{world.course.id}/completion"
    body: dict[str, object] = {
        "required_lesson_ids": [],
        "required_quiz_lesson_ids": None,
        "certificates": False,
    }
    assert world.client_for("owner").put(url, body, format="json").json()["certificates"] is False
    _pass_quiz(world)
    state = world.client_for("enrolled").get(f"/api/v1/courses/{world.course.slug}/completion")
    assert (state.json()["complete"], state.json()["certificate_id"]) == (True, None)
    assert Certificate.objects.count() == 0


def _issued(world: ApiWorld) -> Certificate:
    url = f"/api/v1/instructor/courses/{world.course.id}/completion"
    body: dict[str, object] = {"required_lesson_ids": [], "required_quiz_lesson_ids": None}
    world.client_for("owner").put(url, body, format="json")
    _pass_quiz(world)
    certificate = Certificate.objects.get()
    return certificate


def test_the_verify_page_works_signed_out_and_shows_only_what_it_certifies(world: ApiWorld):
    certificate = _issued(world)
    learner = world.users["enrolled"]
    html = Client().get(f"/certificates/{certificate.id}/").content.decode()
    assert 'data-certificate-status="valid"' in html
    assert learner.name in html and "Matrix course (version 1)" in html
    assert world.users["owner"].name in html
    assert learner.email not in html
    assert Client().get(f"/certificates/{'0' * 24}/").status_code == 404


def test_the_credential_verifies_with_the_published_key(world: ApiWorld):
    certificate = _issued(world)
    anonymous = Client()
    body = anonymous.get(f"/api/v1/certificates/{certificate.id}/credential").json()
    jwks = anonymous.get("/api/v1/certificates/issuer/jwks").json()
    header = jwt.get_unverified_header(body["jwt"])
    [key] = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    assert (header["alg"], key["kty"], key["crv"]) == ("EdDSA", "OKP", "Ed25519")
    claims = jwt.decode(body["jwt"], jwt.PyJWK(key).key, algorithms=["EdDSA"])
    vc = claims["vc"]
    assert vc == body["credential"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["iss"] == vc["issuer"]["id"] == "https://learn.example/api/v1/certificates/issuer"
    subject = vc["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == world.users["enrolled"].name
    assert subject["achievement"]["name"] == "Matrix course"
    assert vc["credentialStatus"] == {
        "id": f"https://learn.example/api/v1/certificates/revocations#{certificate.id}",
        "type": "1EdRevocationList",
    }
    profile = anonymous.get("/api/v1/certificates/issuer").json()
    assert profile["id"] == claims["iss"] and profile["type"] == ["Profile"]
    # A tampered credential does not verify.
    head, payload, signature = body["jwt"].split(".")
    forged = ".".join(
        [head, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature]
    )
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(forged, jwt.PyJWK(key).key, algorithms=["EdDSA"])


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("enrolled", 403),
        ("other_instructor", 403),
        ("owner", 200),
        ("admin", 200),
    ],
)
def test_revocation_by_staff_is_audited_and_visible(world: ApiWorld, role: str, status: int):
    certificate = _issued(world)
    url = f"/api/v1/instructor/certificates/{certificate.id}/revoke"
    client = world.client_for(role)
    response = client.post(url, {"reason": "Exam misconduct"}, format="json")
    assert response.status_code == status
    certificate.reload()
    if status != 200:
        assert certificate.revoked_at is None
        return
    assert response.json()["revoked"] is True
    entry = AuditEntry.objects(action="certificate.revoke").get()
    assert (entry.actor_id, entry.details["reason"]) == (world.users[role].id, "Exam misconduct")
    html = Client().get(f"/certificates/{certificate.id}/").content.decode()
    assert 'data-certificate-status="revoked"' in html and "Exam misconduct" in html
    revocations = Client().get("/api/v1/certificates/revocations").json()
    assert revocations["revokedCredentials"] == [
        {
            "id": f"https://learn.example/certificates/{certificate.id}/",
            "revocationReason": "Exam misconduct",
        }
    ]
    assert client.post(url, {"reason": "again"}, format="json").status_code == 409
    assert _certificates(world)[0]["revoked"] is True


def test_a_revocation_needs_a_reason(world: ApiWorld):
    certificate = _issued(world)
    url = f"/api/v1/instructor/certificates/{certificate.id}/revoke"
    response = world.client_for("owner").post(url, {"reason": "   "}, format="json")
    assert response.status_code == 400
    certificate.reload()
    assert certificate.revoked_at is None


def test_the_key_command_prints_a_working_key(capsys, settings, db):
    call_command("certificate_issuer_key_create")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    settings.CERTIFICATE_ISSUER_KEY_ID = lines["CERTIFICATE_ISSUER_KEY_ID"]
    settings.CERTIFICATE_ISSUER_PRIVATE_KEY = lines["CERTIFICATE_ISSUER_PRIVATE_KEY"]
    jwks = Client().get("/api/v1/certificates/issuer/jwks").json()
    assert [key["kid"] for key in jwks["keys"]] == [lines["CERTIFICATE_ISSUER_KEY_ID"]]


def test_without_a_key_the_credential_is_503(world: ApiWorld, settings):
    certificate = _issued(world)
    settings.CERTIFICATE_ISSUER_PRIVATE_KEY = ""
    response = Client().get(f"/api/v1/certificates/{certificate.id}/credential")
    assert (response.status_code, response.json()["code"]) == (503, "service_unavailable")
    assert Client().get("/api/v1/certificates/issuer/jwks").json() == {"keys": []}


def test_the_data_export_carries_attempts_and_certificates(world: ApiWorld):
    certificate = _issued(world)
    body = world.client_for("enrolled").get("/api/v1/me/export").json()
    [attempt] = body["quiz_attempts"]
    assert (attempt["lesson_id"], attempt["passed"]) == (str(world.text_lesson.id), True)
    assert attempt["answers"] == {"q1": "b", "q2": 4}
    [exported] = body["certificates"]
    assert (exported["id"], exported["course_title"]) == (str(certificate.id), "Matrix course")


def test_the_learner_finds_their_certificates_on_the_account_page_and_my_learning(
    world: ApiWorld,
):
    browser = Client()
    browser.force_login(world.users["enrolled"])
    before = browser.get("/accounts/").content.decode()
    assert 'id="certificates-heading"' in before and "no certificates yet" in before
    certificate = _issued(world)
    for page in ("/accounts/", "/my/"):
        html = browser.get(page).content.decode()
        assert f"/certificates/{certificate.id}/" in html, page
        assert "Matrix course" in html


def test_the_pdf_is_public_and_says_when_it_was_revoked(world: ApiWorld):
    certificate = _issued(world)
    learner = world.users["enrolled"]
    response = Client().get(f"/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-cache"
    body = response.content
    assert body.startswith(b"%PDF-")
    assert learner.name.encode() in body and b"Matrix course" in body
    assert f"/certificates/{certificate.id}/".encode() in body  # where to verify it
    assert b"REVOKED" not in body and learner.email.encode() not in body
    revoke = f"/api/v1/instructor/certificates/{certificate.id}/revoke"
    revoked = world.client_for("owner").post(revoke, {"reason": "Exam fraud"}, format="json")
    assert revoked.status_code == 200
    body = Client().get(f"/certificates/{certificate.id}/certificate.pdf").content
    assert b"REVOKED" in body and b"Exam fraud" in body
    assert Client().get(f"/certificates/{'0' * 24}/certificate.pdf").status_code == 404
