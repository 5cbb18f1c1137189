"""Playback tokens name the video, not the viewer: one signed set per playback id is handed
out again while it is fresh, and never one close to its expiry."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.test import override_settings

from playback import signing

T0 = datetime(2031, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True, scope="module")
def _signing_key():
    """A key of this module's own: signing is local work, no Mux call is involved."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    with override_settings(
        MUX_SIGNING_KEY_ID="reuse-test-key", MUX_SIGNING_PRIVATE_KEY=base64.b64encode(pem).decode()
    ):
        yield


def _claims(token: str) -> dict:
    pem = base64.b64decode(settings.MUX_SIGNING_PRIVATE_KEY)
    public = serialization.load_pem_private_key(pem, password=None).public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    return jwt.decode(
        token, public, algorithms=["RS256"], audience=["v", "t", "s"], options={"verify_exp": False}
    )


def test_a_fresh_set_is_reused_for_the_same_playback_id():
    first = signing.playback_tokens_issue(playback_id="pb-reuse", duration_s=600, now=T0)
    again = signing.playback_tokens_issue(
        playback_id="pb-reuse", duration_s=600, now=T0 + timedelta(seconds=60)
    )
    assert again == first
    other = signing.playback_tokens_issue(playback_id="pb-other", duration_s=600, now=T0)
    assert other.video != first.video
    assert _claims(other.video)["sub"] == "pb-other"
    longer = signing.playback_tokens_issue(playback_id="pb-reuse", duration_s=900, now=T0)
    assert longer.expires_at > first.expires_at


def test_a_reused_token_always_covers_the_video_and_half_the_margin():
    margin = settings.MUX_PLAYBACK_TOKEN_MARGIN_S
    duration = 600
    issued = signing.playback_tokens_issue(playback_id="pb-edge", duration_s=duration, now=T0)
    moment = T0
    seen = {issued.video}
    for _step in range(40):
        moment += timedelta(seconds=margin / 20)
        tokens = signing.playback_tokens_issue(
            playback_id="pb-edge", duration_s=duration, now=moment
        )
        seen.add(tokens.video)
        left = (tokens.expires_at - moment).total_seconds()
        assert left >= duration + margin / 2 - 1
        assert _claims(tokens.video)["exp"] == int(tokens.expires_at.timestamp())
    assert len(seen) > 1  # the set was renewed along the way


def test_the_reuse_window_is_capped_at_half_the_margin():
    with override_settings(MUX_PLAYBACK_TOKEN_REUSE_S=10**6, MUX_PLAYBACK_TOKEN_MARGIN_S=100):
        first = signing.playback_tokens_issue(playback_id="pb-cap", duration_s=10, now=T0)
        assert (
            signing.playback_tokens_issue(
                playback_id="pb-cap", duration_s=10, now=T0 + timedelta(seconds=49)
            )
            == first
        )
        assert (
            signing.playback_tokens_issue(
                playback_id="pb-cap", duration_s=10, now=T0 + timedelta(seconds=51)
            )
            != first
        )


def test_no_reuse_when_the_window_is_zero():
    with override_settings(MUX_PLAYBACK_TOKEN_REUSE_S=0):
        first = signing.playback_tokens_issue(playback_id="pb-zero", duration_s=10, now=T0)
        later = signing.playback_tokens_issue(
            playback_id="pb-zero", duration_s=10, now=T0 + timedelta(seconds=1)
        )
        assert later.expires_at > first.expires_at
