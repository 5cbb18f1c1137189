"""Session sign-in pages: login, register, logout (POST). CSRF-protected by the middleware."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import LoginForm, OtpCodeForm, RegisterForm
from accounts.models import User
from accounts.redirects import safe_next
from accounts.two_factor import otp_verify
from learnstream.client_ip import client_ip
from learnstream.errors import InvalidCredentials, Throttled, ValidationError

BACKEND = "django.contrib.auth.backends.ModelBackend"
# The account whose password was right and whose code is awaited: (user id, when).
PENDING_SIGN_IN_KEY = "pending-sign-in"


def _safe_next(request: HttpRequest) -> str:
    """Where to go after signing in or up."""
    return safe_next(request, default=settings.LOGIN_REDIRECT_URL)


def _throttled_page(request: HttpRequest, template: str, context: dict, error: Throttled):
    context["form"].add_error(None, f"Too many attempts. {error.detail}")
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def _apply_field_errors(form, error: ValidationError) -> None:
    for field, messages in (error.errors or {}).items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class LoginView(View):
    template = "accounts/login.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template, {"form": LoginForm(), "next": _safe_next(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LoginForm(request.POST)
        context: dict[str, Any] = {"form": form, "next": _safe_next(request)}
        if not form.is_valid():
            return render(request, self.template, context, status=400)
        try:
            user = services.user_authenticate(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except Throttled as error:
            return _throttled_page(request, self.template, context, error)
        except (InvalidCredentials, ValidationError):
            form.add_error(None, "The email or password is not correct.")
            return render(request, self.template, context, status=401)
        return session_sign_in(request, user, context["next"])


def session_sign_in(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """After a right password (login page or admin login): sign the session in, or, for an
    account with an authenticator, ask for its code first (`LoginCodeView`)."""
    if services.factor_required(user=user):
        request.session[PENDING_SIGN_IN_KEY] = [user.pk, time.time()]
        return HttpResponseRedirect(f"{reverse('login-code')}?{urlencode({'next': next_url})}")
    login(request, user, backend=BACKEND)
    return HttpResponseRedirect(next_url)


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING_SIGN_IN_KEY)
    max_age = settings.OTP_SIGN_IN_MAX_AGE.total_seconds()
    if not isinstance(pending, list) or len(pending) != 2 or time.time() - pending[1] > max_age:
        return None
    return User.objects.filter(pk=pending[0], is_active=True).first()


class LoginCodeView(View):
    """Second step of signing in to an account with an authenticator."""

    template = "accounts/login_code.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if _pending_user(request) is None:
            return HttpResponseRedirect(reverse("login"))
        return render(request, self.template, {"form": OtpCodeForm(), "next": _safe_next(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _pending_user(request)
        if user is None:
            return HttpResponseRedirect(reverse("login"))
        form = OtpCodeForm(request.POST)
        next_url = _safe_next(request)
        context: dict[str, Any] = {"form": form, "next": next_url}
        if not form.is_valid():
            return render(request, self.template, context, status=400)

        try:
            device = otp_verify(user=user, token=form.cleaned_data["token"])
        except Throttled as error:
            return _throttled_page(request, self.template, context, error)
        except ValidationError as error:
            form.add_error("token", error.detail)
            return render(request, self.template, context, status=400)
        request.session.pop(PENDING_SIGN_IN_KEY, None)
        login(request, user, backend=BACKEND)
        django_otp.login(request, device)
        return HttpResponseRedirect(next_url)


class RegisterView(View):
    template = "accounts/register.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template, {"form": RegisterForm(), "next": _safe_next(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RegisterForm(request.POST)
        context: dict[str, Any] = {"form": form, "next": _safe_next(request)}
        if not form.is_valid():
            return render(request, self.template, context, status=400)
        try:
            user = services.user_register(**form.cleaned_data, ip=client_ip(request))
        except Throttled as error:
            return _throttled_page(request, self.template, context, error)
        except ValidationError as error:
            _apply_field_errors(form, error)
            return render(request, self.template, context, status=400)
        login(request, user, backend=BACKEND)
        return HttpResponseRedirect(context["next"])


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(settings.LOGOUT_REDIRECT_URL)
