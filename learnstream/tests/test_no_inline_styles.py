"""No inline styles anywhere in our own code, so the site's policy needs no `style-src-attr`
(see learnstream.security): no template writes a `style="…"` attribute, no script writes one
(`setAttribute("style", …)`, jQuery's `.attr("style", …)`, or markup with a `style=`
attribute through innerHTML and the like; the CSSOM, `el.style.x = …`, is allowed), no
Python code renders one, and no page's policy allows inline style attributes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "admin_site",
    "assessments",
    "catalog",
    "learning",
    "learnstream",
    "playback",
    "tracking",
)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S)
SCRIPT_WRITES_STYLE = re.compile(
    r"""setAttribute\(\s*["'`]style["'`]|\.attr\(\s*["'`]style["'`]\s*,|style\s*=\s*\\?["']"""
)


def _ours(pattern: str) -> list[Path]:
    skip = ("vendor", "node_modules", ".venv", "artifacts", "tests")
    return [
        path
        for path in sorted(ROOT.glob(pattern))
        if not any(part in skip for part in path.relative_to(ROOT).parts)
    ]


def test_no_template_has_a_style_attribute():
    templates = _ours("templates/**/*.html") + [
        path for app in APPS for path in _ours(f"{app}/templates/**/*.html")
    ]
    assert templates
    found = [str(p.relative_to(ROOT)) for p in templates if STYLE_ATTRIBUTE.search(p.read_text())]
    assert found == []


def test_no_script_writes_a_style_attribute():
    scripts = _ours("static/**/*.js") + [p for app in APPS for p in _ours(f"{app}/static/**/*.js")]
    assert scripts
    found = [
        f"{p.relative_to(ROOT)}: {match.group(0)}"
        for p in scripts
        for match in SCRIPT_WRITES_STYLE.finditer(p.read_text())
    ]
    assert found == []


def test_no_python_code_renders_a_style_attribute():
    sources = [p for app in APPS for p in _ours(f"{app}/**/*.py")]
    assert sources
    found = [str(p.relative_to(ROOT)) for p in sources if STYLE_ATTRIBUTE.search(p.read_text())]
    assert found == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/courses/", "/accounts/login/", "/admin/", "/admin/login/"])
def test_no_policy_allows_inline_style_attributes(path):
    client = Client()
    client.force_login(UserFactory(role="admin"))
    policy = client.get(path)["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert "style-src-attr" not in directives
    assert "'unsafe-inline'" not in directives["style-src"]
    assert "'unsafe-hashes'" not in directives["style-src"]
