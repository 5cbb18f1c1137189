"""DRF permission classes for roles. Object-level rules (ownership) live in selectors."""

from rest_framework.permissions import BasePermission

from accounts.roles import Role, is_admin, is_instructor, is_signed_in, staff_factor_missing
from learnstream.errors import PermissionDenied


class OtpRequiredForStaff(PermissionDenied):
    """403: the role has staff powers only after a second factor in this sign-in."""

    code, title = "otp_required", "Second factor required"


def _refuse_unverified_staff(user) -> None:
    if staff_factor_missing(user):
        raise OtpRequiredForStaff(
            "Your role needs a second factor: sign in again with your authenticator code."
        )


class IsSignedIn(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_signed_in(request.user)


class IsInstructor(BasePermission):
    """Instructors and admins."""

    def has_permission(self, request, view) -> bool:
        if getattr(request.user, "role", None) in (Role.INSTRUCTOR, Role.ADMIN):
            _refuse_unverified_staff(request.user)
        return is_instructor(request.user)


class IsAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        if getattr(request.user, "role", None) == Role.ADMIN:
            _refuse_unverified_staff(request.user)
        return is_admin(request.user)
