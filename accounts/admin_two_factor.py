"""The admin's sign-in door and two-factor gate, mixed into
`admin_site.project_site.LearnStreamAdminSite`.

/admin/login/ checks the password through `services.user_authenticate` (the same per-account
and per-IP limits and dummy hash as the API and the login page, counted together) and then
`views.session_sign_in` (the code of an authenticator is asked for here too);
/admin/password_change/ goes through `services.user_password_change`, which ends every
sign-in of the user.

With the signed-in staff user's role in `ADMIN_REQUIRE_2FA_ROLES`, `has_permission` is
False until the session is OTP-verified, so every admin view (each is wrapped in
`admin_view`) sends the user to the admin login; that page then forwards a signed-in user
to /accounts/2fa/verify/ (or to the set-up page when they have no authenticator yet)
instead of asking for the password again.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from accounts import services
from accounts.redirects import safe_next
from accounts.two_factor import admin_requires_verified_session, totp_device_confirmed
from accounts.views import session_sign_in
from learnstream.client_ip import client_ip
from learnstream.errors import InvalidCredentials, Throttled, ValidationError


class AdminSignInForm(AdminAuthenticationForm):
    """Django's admin form, its password check replaced by the accounts service."""

    def clean(self) -> dict:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email and password:
            try:
                user = services.user_authenticate(
                    email=email,
                    password=password,
                    ip=client_ip(self.request) if self.request is not None else "unknown",
                )
            except Throttled as error:
                raise forms.ValidationError(
                    f"Too many attempts. {error.detail}", code="throttled"
                ) from error
            except (InvalidCredentials, ValidationError) as error:
                raise self.get_invalid_login_error() from error
            self.confirm_login_allowed(user)
            self.user_cache = user
        return self.cleaned_data


class AdminSignInView(LoginView):
    def form_valid(self, form: AdminSignInForm) -> HttpResponse:  # type: ignore[override]
        return session_sign_in(self.request, form.get_user(), self.get_success_url())


class AdminPasswordChangeThroughService(AdminPasswordChangeForm):
    """Django's form for the page; the change itself is `services.user_password_change`."""

    def clean_old_password(self) -> str:
        return self.cleaned_data["old_password"]  # checked (and limited) by the service

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                self.user = services.user_password_change(
                    user_id=self.user.pk,
                    current_password=cleaned["old_password"],
                    new_password=cleaned["new_password1"],
                )
            except Throttled as error:
                raise forms.ValidationError(f"Too many attempts. {error.detail}") from error
            except ValidationError as error:
                for field, messages in (error.errors or {}).items():
                    target = {"current_password": "old_password"}.get(field, "new_password1")
                    for message in messages:
                        self.add_error(target, message)
        return cleaned

    def save(self, commit: bool = True):
        return self.user  # already saved by the service


def two_factor_entry_url(request: HttpRequest, next_url: str) -> str:
    user = request.user
    page = "2fa-verify" if totp_device_confirmed(user=user) else "2fa-setup"  # type: ignore[arg-type]
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
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))  # type: ignore[attr-defined]
        context = {
            **self.each_context(request),  # type: ignore[attr-defined]
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)  # type: ignore[attr-defined]
        context.update(extra_context or {})
        request.current_app = self.name  # type: ignore[attr-defined]
        view = AdminSignInView.as_view(
            extra_context=context,
            authentication_form=AdminSignInForm,
            template_name="admin/login.html",
        )
        response = view(request)
        add_never_cache_headers(response)
        return response  # type: ignore[return-value]

    def password_change(self, request: HttpRequest, extra_context=None):  # type: ignore[no-untyped-def]
        url = reverse("admin:password_change_done", current_app=self.name)  # type: ignore[attr-defined]
        request.current_app = self.name  # type: ignore[attr-defined]
        return PasswordChangeView.as_view(
            form_class=AdminPasswordChangeThroughService,
            success_url=url,
            extra_context={**self.each_context(request), **(extra_context or {})},  # type: ignore[attr-defined]
        )(request)
