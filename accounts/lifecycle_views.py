"""HTML pages for password reset and email verification (session site). They call the
same services as the JSON API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from accounts import recovery, verification
from accounts.forms import PasswordResetConfirmForm, PasswordResetRequestForm
from accounts.views import _apply_field_errors, _throttled_page
from learnstream.client_ip import client_ip
from learnstream.errors import Throttled, ValidationError

# The reset link's token moves from the URL into the session at once, so the page that
# shows the form (and any link on it, via Referer) no longer carries it.
RESET_SESSION_KEY = "password_reset_token"
RESET_FORM_SLUG = "set-password"


def _result(request: HttpRequest, *, title: str, text: str, status: int = 200, **extra):
    return render(
        request, "accounts/result.html", {"title": title, "text": text, **extra}, status=status
    )


class PasswordResetRequestView(View):
    template = "accounts/password_reset_request.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template, {"form": PasswordResetRequestForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PasswordResetRequestForm(request.POST)
        context = {"form": form}
        if not form.is_valid():
            return render(request, self.template, context, status=400)
        try:
            recovery.password_reset_request(email=form.cleaned_data["email"], ip=client_ip(request))
        except Throttled as error:
            return _throttled_page(request, self.template, context, error)
        return _result(
            request,
            title="Check your inbox",
            text="If an account uses that address, we have mailed it a link to choose a new "
            "password. The link works once, for one hour.",
        )


class PasswordResetConfirmView(View):
    template = "accounts/password_reset_confirm.html"

    def _invalid(self, request: HttpRequest) -> HttpResponse:
        return _result(
            request,
            title="This link does not work",
            text=recovery.RESET_LINK_INVALID,
            status=400,
            link_url=reverse("password-reset"),
            link_text="Request a new link",
        )

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        if token != RESET_FORM_SLUG:
            request.session[RESET_SESSION_KEY] = token
            return HttpResponseRedirect(reverse("password-reset-confirm", args=[RESET_FORM_SLUG]))
        stored = request.session.get(RESET_SESSION_KEY, "")
        try:
            recovery.password_reset_token_validate(token=stored)
        except ValidationError:
            return self._invalid(request)
        return render(request, self.template, {"form": PasswordResetConfirmForm()})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        stored = request.session.get(RESET_SESSION_KEY, "") if token == RESET_FORM_SLUG else token
        form = PasswordResetConfirmForm(request.POST)
        context = {"form": form}
        if not form.is_valid():
            return render(request, self.template, context, status=400)
        try:
            recovery.password_reset_confirm(
                token=stored, new_password=form.cleaned_data["new_password"], ip=client_ip(request)
            )
        except Throttled as error:
            return _throttled_page(request, self.template, context, error)
        except ValidationError as error:
            if error.errors and "token" in error.errors:
                return self._invalid(request)
            _apply_field_errors(form, error)
            return render(request, self.template, context, status=400)
        request.session.pop(RESET_SESSION_KEY, None)
        return _result(
            request,
            title="Password changed",
            text="Your new password is set and every device that was signed in has been "
            "signed out.",
            link_url=reverse("login"),
            link_text="Sign in",
        )


def email_verify_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET verifies (mail clients open links with GET; verifying twice is harmless)."""
    try:
        user = verification.email_verify(token=token, ip=client_ip(request))
    except Throttled as error:
        response = _result(request, title="Too many attempts", text=error.detail, status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    except ValidationError as error:
        return _result(request, title="This link does not work", text=error.detail, status=400)
    return _result(
        request,
        title="Email address verified",
        text=f"Thank you: {user.email} is confirmed. You can enrol in courses now.",
        link_url="/",
        link_text="Browse the catalogue",
    )
