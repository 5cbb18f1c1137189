"""Signing keys and RS256 playback-token verification, as stream.mux.com / image.mux.com do it."""

from __future__ import annotations

import base64
import binascii
import threading

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .state import Store, new_id, unix_now

# Mux's audience claims per resource type.
AUD_VIDEO = "v"
AUD_THUMBNAIL = "t"
AUD_STORYBOARD = "s"


class TokenError(Exception):
    pass


def generate_signing_key() -> tuple[dict, str]:
    """Make a key like Mux does: the private key is shown once, base64 of a PKCS#1 PEM.

    Returns (record to store, base64 private key to hand to the caller once).
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = {
        "id": new_id(),
        "created_at": unix_now(),
        "_public_key": public_pem.decode(),
    }
    return record, base64.b64encode(private_pem).decode()


def public_pem_from(material: str) -> str:
    """Accept a public or private PEM (PKCS#1 or PKCS#8), raw or base64-wrapped as Mux hands it out.

    Used to register a key the app already has (e.g. MUX_SIGNING_PRIVATE_KEY from an earlier run).
    """
    text = material.strip()
    if "-----BEGIN" not in text:
        try:
            text = base64.b64decode(text, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError("key is neither PEM nor base64-encoded PEM") from exc
    data = text.encode()
    if "PRIVATE KEY" in text:
        # load_pem_private_key reads both "RSA PRIVATE KEY" (PKCS#1) and "PRIVATE KEY" (PKCS#8).
        public_key = serialization.load_pem_private_key(data, password=None).public_key()
    else:
        public_key = serialization.load_pem_public_key(data)
    if isinstance(public_key, rsa.RSAPublicKey):
        return public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
    raise ValueError("only RSA keys can sign Mux playback tokens")


class TokenVerifier:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[str, rsa.RSAPublicKey] = {}
        self._lock = threading.Lock()

    def forget(self, kid: str) -> None:
        with self._lock:
            self._cache.pop(kid, None)

    def _key(self, kid: str) -> rsa.RSAPublicKey:
        with self._lock:
            cached = self._cache.get(kid)
        if cached is not None:
            return cached
        record = self._store.get("signing_keys", kid)
        if record is None:
            raise TokenError("unknown signing key")
        key = serialization.load_pem_public_key(record["_public_key"].encode())
        if not isinstance(key, rsa.RSAPublicKey):
            raise TokenError("signing key is not an RSA key")
        with self._lock:
            self._cache[kid] = key
        return key

    def verify(self, token: str | None, playback_id: str, aud: str) -> dict:
        if not token:
            raise TokenError("missing token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenError("malformed token") from exc
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenError("token header has no kid")
        try:
            return jwt.decode(
                token,
                self._key(kid),
                # Fixed list: never let the token's own "alg" pick how it is checked.
                algorithms=["RS256"],
                audience=aud,
                subject=playback_id,
                options={"require": ["exp", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenError("token audience does not match this resource") from exc
        except jwt.exceptions.InvalidSubjectError as exc:
            raise TokenError("token is for another playback id") from exc
        except jwt.PyJWTError as exc:
            raise TokenError(f"invalid token: {exc}") from exc
