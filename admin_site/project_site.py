"""The project's admin site: Django's admin plus pages for the MongoDB catalogue.

Courses, lessons and versions are mongoengine documents, which `ModelAdmin` cannot handle.
Their pages are plain views mounted through `get_urls` (each wrapped in `admin_view`, so
the admin's login, `is_staff` check and CSRF rules apply) and listed on the index through
`get_app_list`, beside the ORM models registered the usual way.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin_two_factor import TwoFactorAdminSiteMixin


class LearnStreamAdminSite(TwoFactorAdminSiteMixin, admin.AdminSite):
    """`TwoFactorAdminSiteMixin`: roles in ADMIN_REQUIRE_2FA_ROLES need an OTP-verified
    session (see accounts/admin_two_factor.py)."""

    site_header = "LearnStream administration"
    site_title = "LearnStream admin"
    index_title = "Instructor workspace"

    def get_urls(self) -> list[Any]:
        # Imported here: Django builds the default admin site while apps load, before the
        # models these views import are ready.
        from admin_site.urls import catalog_admin_urls

        # Ours first: Django's own catch-all app_index pattern (`<app_label>/`) must not
        # shadow them.
        return [*catalog_admin_urls(self), *super().get_urls()]

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        # Imported here for the same reason as get_urls.
        from admin_site.site import merge_catalog_entries

        app_list = super().get_app_list(request, app_label)
        return merge_catalog_entries(self, request, app_list, app_label=app_label)
