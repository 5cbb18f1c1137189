"""A course's language as people read it: "English", "Français", "Português Brasileiro"
rather than the code stored on the course ("en", "fr", "pt-BR")."""

from __future__ import annotations

from django.conf.locale import LANG_INFO

# Codes people use whose entry Django files under a script subtag.
_ALIASES = {"zh": "zh-hans", "zh-cn": "zh-hans", "zh-tw": "zh-hant", "zh-hk": "zh-hant"}


def language_name(code: str | None) -> str:
    """The language's own name for itself, capitalised, for a code such as "fr" or "pt-BR"
    (a regional code unknown as such falls back to its language: "fr-CA" → "Français").
    A code Django does not know is shown as given."""
    raw = (code or "").strip()
    key = raw.lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    info = LANG_INFO.get(key) or LANG_INFO.get(key.split("-")[0])
    name = (info or {}).get("name_local")
    if not name:
        return raw
    return name[:1].upper() + name[1:]
