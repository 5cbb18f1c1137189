"""Two-factor pages: status, set-up (a link mailed to the account first, then the QR code
and the confirming code), verify (marks the session OTP-verified), new recovery codes and
removal. Rules live in accounts.two_factor."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import two_factor
from accounts.forms import OtpCodeForm
from accounts.redirects import safe_next
from accounts.roles import staff_factor_missing
from accounts.views import _throttled_page
from learnstream.errors import Conflict, Throttled, ValidationError


def _staff_page(view):
    """Signed in (else the login page), staff (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # A refusal (PermissionDenied) becomes the 403 page with its reason, in middleware.
        two_factor.two_factor_allowed(user=request.user)  # type: ignore[arg-type]
        return view(request, *args, **kwargs)

    return wrapper


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, default=reverse("2fa"))


def _session_verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(callable(is_verified) and is_verified())


def _codes_page(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    # Shown once, in this response only; never stored in clear anywhere we can show again.
    response = render(
        request, "accounts/2fa_recovery_codes.html", {"codes": codes, "next": next_url}
    )
    response["Cache-Control"] = "no-store"
    return response


@_staff_page
@require_http_methods(["GET"])
def status_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/2fa_status.html",
        {
            "enabled": two_factor.totp_device_confirmed(user=user) is not None,  # type: ignore[arg-type]
            "codes_left": two_factor.recovery_codes_remaining(user=user),  # type: ignore[arg-type]
            "session_verified": _session_verified(request),
            "required": getattr(user, "role", None) in settings.ADMIN_REQUIRE_2FA_ROLES,
        },
    )


# The pending authenticator this browser started by following a mailed link: the set-up
# page shows a QR code only for it (someone else signed in with the password sees none).
PENDING_DEVICE_SESSION_KEY = "ls_2fa_pending_device"
SETUP_NEXT_SESSION_KEY = "ls_2fa_setup_next"


def _pending_device(request: HttpRequest):
    device_id = request.session.get(PENDING_DEVICE_SESSION_KEY)
    if not isinstance(device_id, int):
        return None
    return two_factor.totp_pending_device(user=request.user, device_id=device_id)  # type: ignore[arg-type]


def _email_step(request: HttpRequest, next_url: str, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "accounts/2fa_setup_email.html",
        {
            "next": next_url,
            "valid_minutes": int(settings.TWO_FACTOR_ENROL_LINK_MAX_AGE.total_seconds() // 60),
            "staff_factor_missing": staff_factor_missing(request.user),
        },
        status=status,
    )


@_staff_page
@require_http_methods(["GET", "POST"])
def setup_view(request: HttpRequest) -> HttpResponse:
    """Without a pending authenticator started in this browser: the email step (a link
    must be asked for and followed first). With one: its QR code and the code to confirm."""
    user = request.user
    next_url = _next_url(request)
    if two_factor.totp_device_confirmed(user=user) is not None:  # type: ignore[arg-type]
        messages.info(request, "Two-factor authentication is already set up.")
        return HttpResponseRedirect(reverse("2fa"))
    device = _pending_device(request)
    if device is None:
        return _email_step(request, next_url, status=200 if request.method == "GET" else 409)
    form = OtpCodeForm(request.POST or None)
    form.fields["token"].help_text = "The 6-digit code your authenticator app shows now."
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device, codes = two_factor.totp_setup_confirm(
                    user=user,  # type: ignore[arg-type]
                    token=form.cleaned_data["token"],
                    device_id=device.pk,
                )
            except Throttled as error:
                return _throttled_page(
                    request,
                    "accounts/2fa_setup.html",
                    _setup_context(request, device, form, next_url),
                    error,
                )
            except Conflict as error:
                messages.error(request, error.detail)
                return HttpResponseRedirect(reverse("2fa-setup"))
            except ValidationError as error:
                form.add_error("token", error.detail)
            else:
                request.session.pop(PENDING_DEVICE_SESSION_KEY, None)
                django_otp.login(request, device)
                return _codes_page(request, codes, next_url)
        status = 400
    response = render(
        request,
        "accounts/2fa_setup.html",
        _setup_context(request, device, form, next_url),
        status=status,
    )
    response["Cache-Control"] = "no-store"  # the page shows the secret
    return response


def _setup_context(request: HttpRequest, device, form: OtpCodeForm, next_url: str) -> dict:
    return {
        "form": form,
        "next": next_url,
        "qr_svg": two_factor.totp_qr_svg(device),
        "secret": two_factor.totp_secret_base32(device),
        "expires_at": two_factor.totp_pending_expires_at(device),
        "staff_factor_missing": staff_factor_missing(request.user),
    }


@_staff_page
@require_POST
def enrol_request_view(request: HttpRequest) -> HttpResponse:
    """Mail the account's address the link that lets this browser set up an authenticator."""
    next_url = _next_url(request)
    try:
        two_factor.two_factor_enrolment_request(user=request.user)  # type: ignore[arg-type]
    except Conflict:
        messages.info(request, "Two-factor authentication is already set up.")
        return HttpResponseRedirect(reverse("2fa"))
    except Throttled as error:
        messages.error(request, f"Too many links asked for. {error.detail}")
        response = _email_step(request, next_url, status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    request.session[SETUP_NEXT_SESSION_KEY] = next_url
    messages.success(
        request,
        f"We mailed a link to {request.user.email}: open it in this browser to continue.",  # type: ignore[union-attr]
    )
    return HttpResponseRedirect(f"{reverse('2fa-setup')}?{urlencode({'next': next_url})}")


@_staff_page
@require_http_methods(["GET", "POST"])
def enrol_link_view(request: HttpRequest, token: str) -> HttpResponse:
    """The mailed link. GET only asks to continue (a mail scanner that fetches links must
    not use up the link); the POST makes this browser's pending authenticator."""
    if request.method == "GET":
        response = render(request, "accounts/2fa_enrol.html", {"token": token})
        response["Cache-Control"] = "no-store"
        return response
    try:
        device = two_factor.two_factor_enrolment_redeem(user=request.user, token=token)  # type: ignore[arg-type]
    except Conflict:
        messages.info(request, "Two-factor authentication is already set up.")
        return HttpResponseRedirect(reverse("2fa"))
    except ValidationError as error:
        return render(
            request,
            "accounts/result.html",
            {
                "title": "This link cannot be used",
                "text": error.detail,
                "link_url": reverse("2fa-setup"),
                "link_text": "Ask for a new link",
            },
            status=400,
        )
    request.session[PENDING_DEVICE_SESSION_KEY] = device.pk
    next_url = request.session.pop(SETUP_NEXT_SESSION_KEY, None) or reverse("2fa")
    return HttpResponseRedirect(f"{reverse('2fa-setup')}?{urlencode({'next': next_url})}")


@_staff_page
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if two_factor.totp_device_confirmed(user=request.user) is None:  # type: ignore[arg-type]
        return HttpResponseRedirect(f"{reverse('2fa-setup')}?next={next_url}")
    form = OtpCodeForm(request.POST or None)
    context = {
        "form": form,
        "next": next_url,
        "staff_factor_missing": staff_factor_missing(request.user),
    }
    if request.method == "GET":
        return render(request, "accounts/2fa_verify.html", context)
    if form.is_valid():
        try:
            device = two_factor.otp_verify(user=request.user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        except Throttled as error:
            return _throttled_page(request, "accounts/2fa_verify.html", context, error)
        except ValidationError as error:
            form.add_error("token", error.detail)
        else:
            django_otp.login(request, device)
            return HttpResponseRedirect(next_url)
    return render(request, "accounts/2fa_verify.html", context, status=400)


def _verified_only(view):
    """Changing 2FA needs a verified session: a stolen password alone cannot disable it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _session_verified(request):
            return HttpResponseRedirect(f"{reverse('2fa-verify')}?next={reverse('2fa')}")
        return view(request, *args, **kwargs)

    return wrapper


@_staff_page
@require_POST
@_verified_only
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    codes = two_factor.recovery_codes_regenerate(user=request.user)  # type: ignore[arg-type]
    return _codes_page(request, codes, reverse("2fa"))


@_staff_page
@require_POST
@_verified_only
def disable_view(request: HttpRequest) -> HttpResponse:
    two_factor.two_factor_disable(user=request.user)  # type: ignore[arg-type]
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    email = request.user.email  # type: ignore[union-attr]
    messages.success(request, f"Two-factor authentication is off. We mailed {email} about it.")
    return HttpResponseRedirect(reverse("2fa"))
