"""The signed-in user's account page (/accounts/): profile and email, password, email
verification, two-factor status, active sign-ins, data export and account deletion.

Each form posts to its own URL and calls the same service as the JSON API
(`PATCH /me`, `POST /me/password`, `POST /me/verify-email`, `DELETE /me`, ...), so a rule
changed there holds here too. A refused form is shown again, bound, on the same page.
"""

from __future__ import annotations

import uuid
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import deletion, selectors, services, two_factor, verification
from accounts.account_forms import AccountDeleteForm, PasswordChangeForm, ProfileForm
from accounts.account_sections import account_sections_for
from accounts.roles import require_user_id, sign_in_methods
from accounts.views import _apply_field_errors
from learnstream.client_ip import client_ip
from learnstream.errors import Conflict, NotFound, PermissionDenied, Throttled, ValidationError

TEMPLATE = "accounts/account/page.html"


def _client(request: HttpRequest) -> services.ClientInfo:
    return services.ClientInfo(
        ip=client_ip(request), user_agent=request.headers.get("User-Agent", "")
    )


def _account_home() -> str:
    return reverse("account")


def _two_factor_context(user) -> dict:
    try:
        two_factor.two_factor_allowed(user=user)
    except PermissionDenied as exc:
        return {"available": False, "reason": exc.detail}
    return {
        "available": True,
        "enabled": two_factor.totp_device_confirmed(user=user) is not None,
        "codes_left": two_factor.recovery_codes_remaining(user=user),
    }


def _page(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    context = {
        "profile_form": forms.get("profile_form")
        or ProfileForm(prefix="profile", initial={"name": user.name, "email": user.email}),  # type: ignore[union-attr]
        "password_form": forms.get("password_form") or PasswordChangeForm(prefix="password"),
        "delete_form": forms.get("delete_form") or AccountDeleteForm(prefix="delete"),
        "sign_ins": list(selectors.refresh_families_active(user_id=require_user_id(user))),
        "two_factor": _two_factor_context(user),
        "sections": account_sections_for(user),
    }
    response = render(request, TEMPLATE, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _refused(request: HttpRequest, form, error: Exception, form_name: str) -> HttpResponse:
    """Show the page again with `error` on `form` (400, or 429 with Retry-After)."""
    if isinstance(error, Throttled):
        form.add_error(None, f"Too many attempts. {error.detail}")
        response = _page(request, status=429, **{form_name: form})
        response["Retry-After"] = str(error.retry_after)
        return response
    if isinstance(error, ValidationError) and error.errors:
        _apply_field_errors(form, error)
    else:
        form.add_error(None, getattr(error, "detail", str(error)))
    status = getattr(error, "status", 400)
    return _page(request, status=status, **{form_name: form})


def _account_page(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return view(request, *args, **kwargs)

    return wrapper


@_account_page
@require_GET
def account_view(request: HttpRequest) -> HttpResponse:
    return _page(request)


@_account_page
@require_POST
def profile_view(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST, prefix="profile")
    if not form.is_valid():
        return _page(request, status=400, profile_form=form)
    email_before = request.user.email  # type: ignore[union-attr]
    try:
        user = services.user_update_profile(
            user_id=require_user_id(request.user),
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            current_password=form.cleaned_data["current_password"] or None,
        )
    except (ValidationError, Throttled) as error:
        return _refused(request, form, error, "profile_form")
    if user.email != email_before:
        messages.success(
            request, f"Saved. We mailed a link to {user.email}: open it to verify the new address."
        )
    else:
        messages.success(request, "Your profile is saved.")
    return HttpResponseRedirect(_account_home())


@_account_page
@require_POST
def password_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST, prefix="password")
    if not form.is_valid():
        return _page(request, status=400, password_form=form)
    try:
        user, pair = services.user_change_password(
            user_id=require_user_id(request.user),
            **form.cleaned_data,
            client=_client(request),
            amr=sign_in_methods(request.user),
        )
    except (ValidationError, Throttled) as error:
        return _refused(request, form, error, "password_form")
    # The service starts a token family for API callers; this browser keeps its session
    # instead, so that family is ended at once rather than listed as a sign-in.
    services.refresh_token_logout(refresh=pair.refresh)
    update_session_auth_hash(request, user)
    messages.success(
        request, "Your password is changed. Every app and device that was signed in is signed out."
    )
    return HttpResponseRedirect(_account_home())


@_account_page
@require_POST
def verify_email_resend_view(request: HttpRequest) -> HttpResponse:
    try:
        sent = verification.email_verification_resend(user_id=require_user_id(request.user))
    except Throttled as error:
        messages.error(request, f"Too many links asked for. {error.detail}")
        response = _page(request, status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    if sent:
        messages.success(request, f"We mailed a new verification link to {request.user.email}.")  # type: ignore[union-attr]
    else:
        messages.info(request, "Your email address is already verified.")
    return HttpResponseRedirect(_account_home())


@_account_page
@require_POST
def sign_in_revoke_view(request: HttpRequest, family: str) -> HttpResponse:
    try:
        services.refresh_family_revoke_own(
            user_id=require_user_id(request.user), family=uuid.UUID(family)
        )
    except (ValueError, NotFound) as exc:
        raise Http404("No such active sign-in.") from exc
    messages.success(request, "That sign-in is ended: the device must sign in again.")
    return HttpResponseRedirect(_account_home())


@_account_page
@require_POST
def sign_ins_revoke_all_view(request: HttpRequest) -> HttpResponse:
    services.refresh_families_revoke_all(user_id=require_user_id(request.user))
    # Every other browser session is bound to the old stamp and ends; this one, which
    # asked, is bound to the new one and stays signed in.
    request.user.refresh_from_db(fields=["tokens_not_before"])  # type: ignore[union-attr]
    update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
    messages.success(
        request,
        "Every app, device and other browser signed in with your account is signed out.",
    )
    return HttpResponseRedirect(_account_home())


@_account_page
@require_POST
def delete_view(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST, prefix="delete")
    if not form.is_valid():
        return _page(request, status=400, delete_form=form)
    try:
        deletion.user_delete_self(
            user_id=require_user_id(request.user),
            current_password=form.cleaned_data["current_password"],
        )
    except (ValidationError, Throttled, Conflict) as error:
        return _refused(request, form, error, "delete_form")
    logout(request)
    return render(
        request,
        "accounts/result.html",
        {
            "title": "Your account is deleted",
            "text": "Your profile, enrolments and progress are erased. Thank you for learning "
            "with us.",
            "link_url": "/",
            "link_text": "Back to the catalogue",
        },
    )
