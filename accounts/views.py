"""Session sign-in pages: login, register, logout (POST). CSRF-protected by the middleware."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views import View
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import LoginForm, RegisterForm
from accounts.redirects import safe_next
from learnstream.client_ip import client_ip
from learnstream.errors import InvalidCredentials, Throttled, ValidationError

BACKEND = "django.contrib.auth.backends.ModelBackend"


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
        login(request, user, backend=BACKEND)
        return HttpResponseRedirect(context["next"])


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
