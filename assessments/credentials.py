"""Open Badges 3.0 credentials for certificates: an `OpenBadgeCredential` signed as a
VC-JWT (EdDSA over Ed25519) with the issuer key from the settings.

Published at stable URLs, so anyone can check a credential without asking LearnStream
anything else: the issuer profile (`/api/v1/certificates/issuer`), its public key as a JWK
Set (`/api/v1/certificates/issuer/jwks`, the JWT header's `kid` names the key) and the
revocation list the credential's `credentialStatus` points at
(`/api/v1/certificates/revocations`, 1EdTech's `1EdRevocationList`).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.urls import reverse

from assessments.documents import Certificate
from learnstream.errors import ServiceUnavailable

VC_CONTEXT = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def issuer_id() -> str:
    return site(reverse("certificate-issuer"))


def revocation_list_id() -> str:
    return site(reverse("certificate-revocations"))


def certificate_verify_url(certificate_id: Any) -> str:
    return site(reverse("certificate-verify", args=[certificate_id]))


def certificate_pdf_url(certificate_id: Any) -> str:
    return site(reverse("certificate-pdf", args=[certificate_id]))


def certificate_credential_url(certificate_id: Any) -> str:
    return site(reverse("certificate-credential", args=[certificate_id]))


def _private_key() -> Ed25519PrivateKey:
    pem = settings.CERTIFICATE_ISSUER_PRIVATE_KEY.replace("\\n", "\n").strip()
    if not pem or not settings.CERTIFICATE_ISSUER_KEY_ID:
        raise ServiceUnavailable("Certificate signing is not configured on this server.")
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ServiceUnavailable("The certificate issuer key is not an Ed25519 key.")
    return key


def issuer_key_create() -> tuple[str, str]:
    """A new (key id, PKCS#8 PEM) pair for the settings."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = "ed25519-" + base64.urlsafe_b64encode(raw[:9]).decode().rstrip("=")
    return key_id, pem


def issuer_jwks() -> dict[str, Any]:
    """The issuer's public key(s) as a JWK Set (empty when no key is configured)."""
    try:
        key = _private_key()
    except ServiceUnavailable:
        return {"keys": []}
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": base64.urlsafe_b64encode(raw).decode().rstrip("="),
                "kid": settings.CERTIFICATE_ISSUER_KEY_ID,
                "alg": "EdDSA",
                "use": "sig",
            }
        ]
    }


def issuer_profile() -> dict[str, Any]:
    return {
        "@context": VC_CONTEXT,
        "id": issuer_id(),
        "type": ["Profile"],
        "name": settings.CERTIFICATE_ISSUER_NAME,
        "url": settings.SITE_URL,
        "publicKey": site(reverse("certificate-jwks")),
    }


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def open_badge_credential(certificate: Certificate) -> dict[str, Any]:
    """The credential as a JSON object (the VC-JWT's `vc` claim)."""
    course_url = site(reverse("course-page", args=[certificate.course_slug]))
    return {
        "@context": VC_CONTEXT,
        "id": certificate_verify_url(certificate.id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_id(),
            "type": ["Profile"],
            "name": settings.CERTIFICATE_ISSUER_NAME,
        },
        "issuanceDate": _iso(certificate.issued_at),
        "name": f"Certificate of completion: {certificate.course_title}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.learner_name,
                }
            ],
            "achievement": {
                "id": f"{course_url}#version-{certificate.course_version}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": certificate.course_title,
                "description": f"Completed the course {certificate.course_title}"
                + (
                    f", taught by {certificate.instructor_name}"
                    if certificate.instructor_name
                    else ""
                )
                + ".",
                "criteria": {
                    "narrative": "Complete every required lesson and pass every required quiz "
                    f"of version {certificate.course_version} of the course."
                },
            },
        },
        "credentialStatus": {
            "id": f"{revocation_list_id()}#{certificate.id}",
            "type": "1EdRevocationList",
        },
    }


def credential_jwt(certificate: Certificate) -> str:
    """The credential signed as a VC-JWT (header kid = the published key's id)."""
    key = _private_key()
    credential = open_badge_credential(certificate)
    payload = {
        "iss": issuer_id(),
        "jti": credential["id"],
        "sub": f"{credential['id']}#subject",
        "nbf": int(certificate.issued_at.timestamp()),
        "iat": int(certificate.issued_at.timestamp()),
        "vc": credential,
    }
    headers = {"kid": settings.CERTIFICATE_ISSUER_KEY_ID, "typ": "JWT"}
    return jwt.encode(payload, key, algorithm="EdDSA", headers=headers)
