"""The CSP allows the inline blocks of Django's own templates by hash, exactly where they
are rendered: the admin's pages, and (DEBUG on) the debug 404/500 pages. Every inline
`<style>`/`<script>` a page renders must be allowed by the policy it is sent with, and
pages outside those stay on the plain `style-src 'self'`."""

from __future__ import annotations

import re
import sys

import pytest
from django.test import Client, RequestFactory
from django.views.debug import technical_500_response

from accounts.tests.factories import UserFactory
from learnstream.security import (
    SecurityHeadersMiddleware,
    _hash,
    admin_inline_hashes,
    debug_inline_hashes,
)

BLOCK = re.compile(r"<(style|script)(\s[^>]*)?>(.*?)</\1>", re.S)


def _directives(response) -> dict[str, list[str]]:
    return {
        part.strip().split(" ")[0]: part.strip().split(" ")[1:]
        for part in response["Content-Security-Policy"].split(";")
    }


def _inline_blocks(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"style": [], "script": []}
    for tag, attributes, body in BLOCK.findall(response.content.decode()):
        if "src=" not in (attributes or "") and body.strip():
            found[tag].append(_hash(body))
    return found


def _assert_allowed(response) -> dict[str, list[str]]:
    directives, blocks = _directives(response), _inline_blocks(response)
    assert set(blocks["style"]) <= set(directives["style-src"]), (blocks, directives)
    assert set(blocks["script"]) <= set(directives["script-src"]), (blocks, directives)
    assert "'unsafe-inline'" not in directives["style-src"] + directives["script-src"]
    return blocks


def test_hashes_come_from_djangos_templates():
    assert admin_inline_hashes()["style"], "the admin change list has an inline <style>"
    assert admin_inline_hashes()["script"] == ()
    assert len(debug_inline_hashes()["style"]) >= 2  # technical 404 and 500 at least
    assert debug_inline_hashes()["script"]


@pytest.mark.django_db
def test_admin_pages_allow_the_admins_inline_styles_and_site_pages_do_not(client):
    """Django's change list adds an inline <style> when a list shows no action bar
    (`actions_on_top = actions_on_bottom = False`); its hash is in every admin page's
    policy, and only there."""
    client.force_login(UserFactory(role="admin"))
    response = client.get("/admin/accounts/user/?_popup=1")
    assert response.status_code == 200
    _assert_allowed(response)
    styles = _directives(response)["style-src"]
    assert styles == ["'self'", *admin_inline_hashes()["style"]]
    assert _directives(client.get("/"))["style-src"] == ["'self'"]


@pytest.mark.django_db
def test_debug_404_page_styles_are_allowed(settings):
    settings.DEBUG = True
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert _assert_allowed(response)["style"]


@pytest.mark.django_db
def test_debug_500_page_styles_and_script_are_allowed(settings):
    settings.DEBUG = True
    request = RequestFactory().get("/courses/")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        info = sys.exc_info()
    middleware = SecurityHeadersMiddleware(lambda req: technical_500_response(req, *info))
    response = middleware(request)
    assert response.status_code == 500
    blocks = _assert_allowed(response)
    assert blocks["style"] and blocks["script"]


@pytest.mark.django_db
def test_debug_hashes_only_while_debug_is_on(settings):
    settings.DEBUG = False
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert _directives(response)["style-src"] == ["'self'"]
    assert _directives(response)["script-src"] == ["'self'"]
