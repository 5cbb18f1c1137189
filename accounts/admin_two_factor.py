"""The admin's two-factor gate, mixed into `admin_site.project_site.LearnStreamAdminSite`.

With the signed-in staff user's role in `ADMIN_REQUIRE_2FA_ROLES`, `has_permission` is
False until the session is OTP-verified, so every admin view (each is wrapped in
`admin_view`) sends the user to the admin login; that page then forwards a signed-in user
to /accounts/2fa/verify/ (or to the set-up page when they have no authenticator yet)
instead of asking for the password again.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.redirects import safe_next
from accounts.two_factor import admin_requires_verified_session, totp_device_confirmed


def two_factor_entry_url(request: HttpRequest, next_url: str) -> str:
    user = request.user
    page = "accounts:2fa-verify" if totp_device_confirmed(user=user) else "accounts:2fa-setup"  # type: ignore[arg-type]
    return f"{reverse(page)}?{urlencode({'next': next_url})}"


class TwoFactorAdminSiteMixin:
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not admin_requires_verified_session(  # type: ignore[misc]
            user=request.user
        )

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.user.is_active and admin_requires_verified_session(user=request.user):
            next_url = safe_next(
                request,
                default=reverse("admin:index", current_app=self.name),  # type: ignore[attr-defined]
            )
            return HttpResponseRedirect(two_factor_entry_url(request, next_url))
        return super().login(request, extra_context)  # type: ignore[misc]
