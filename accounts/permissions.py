"""DRF permission classes for roles. Object-level rules (ownership) live in selectors."""

from rest_framework.permissions import BasePermission

from accounts.roles import is_admin, is_instructor, is_signed_in


class IsSignedIn(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_signed_in(request.user)


class IsInstructor(BasePermission):
    """Instructors and admins."""

    def has_permission(self, request, view) -> bool:
        return is_instructor(request.user)


class IsAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)
