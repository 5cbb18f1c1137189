"""User administration. Role and activation change only through actions that call the
services (so flags and refresh-token revocation always go with them); the edit form
cannot touch them directly."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts import services
from accounts.deletion import user_delete
from accounts.models import RefreshToken, User, live_refresh_condition
from accounts.roles import Role
from learnstream.errors import ApplicationError


class ActiveRefreshFamilyInline(admin.TabularInline):
    """The user's signed-in devices: one row per live family (its current token)."""

    model = RefreshToken
    verbose_name = "active sign-in (refresh family)"
    verbose_name_plural = "active sign-ins (refresh families)"
    fields = ("family", "issued_at", "expires_at", "family_expires_at", "ip", "user_agent")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[RefreshToken]:
        # The formset filters by the parent user; show only live families' current tokens.
        return super().get_queryset(request).filter(live_refresh_condition()).order_by("-issued_at")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def _each(request: HttpRequest, queryset: QuerySet[User], action, done: str) -> None:
    count = 0
    for user in queryset:
        action(user)
        count += 1
    messages.success(request, f"{count} user(s) {done}.")


def _role_action(role: Role, description: str):
    """An admin action that gives every selected user `role` (through the service)."""

    @admin.action(description=description)
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]):
        _each(
            request,
            queryset,
            lambda user: services.user_change_role(user=user, role=role),
            f"made {role.value}",
        )

    action.__name__ = f"make_{role.value}"
    return action


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "role", "is_active", "email_verified", "date_joined")
    list_filter = ("role", "is_active", "email_verified")
    search_fields = ("email", "name")
    ordering = ("email",)
    fields = (
        "email",
        "name",
        "email_verified",
        "role",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
        "last_login",
        "refresh_families",
    )
    readonly_fields = (
        "role",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
        "last_login",
        "refresh_families",
    )
    inlines = [ActiveRefreshFamilyInline]
    actions = [
        "make_admin",
        "make_instructor",
        "make_student",
        "deactivate",
        "activate",
        "sign_out_everywhere",
        "delete_accounts",
    ]

    def get_actions(self, request: HttpRequest):
        # Django's bulk delete would drop only the SQL rows: `delete_accounts` replaces it.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the row-only delete view; accounts go through `delete_accounts`

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Accounts are created by registration, `createsuperuser` or the API, which apply
        # the password policy; the admin only manages them.
        return False

    @admin.display(description="Refresh families")
    def refresh_families(self, obj: User) -> str:
        url = reverse("admin:accounts_refreshtoken_changelist")
        return format_html(
            '<a href="{}?user__id__exact={}&live=yes">Manage sign-ins</a>', url, obj.pk
        )

    make_admin = _role_action(Role.ADMIN, "Promote/demote to admin")
    make_instructor = _role_action(Role.INSTRUCTOR, "Promote/demote to instructor")
    make_student = _role_action(Role.STUDENT, "Demote to student")

    @admin.action(description="Deactivate (and revoke every sign-in)")
    def deactivate(self, request, queryset):
        mine = queryset.filter(pk=request.user.pk)
        if mine.exists():
            messages.error(request, "You cannot deactivate your own account.")
            queryset = queryset.exclude(pk=request.user.pk)
        _each(request, queryset, lambda u: services.user_deactivate(user=u), "deactivated")

    @admin.action(description="Reactivate")
    def activate(self, request, queryset):
        _each(request, queryset, lambda u: services.user_activate(user=u), "reactivated")

    @admin.action(
        description="Delete account and all its data (both stores)", permissions=["change"]
    )
    def delete_accounts(self, request, queryset):
        mine = queryset.filter(pk=request.user.pk)
        if mine.exists():
            messages.error(request, "You cannot delete your own account here.")
            queryset = queryset.exclude(pk=request.user.pk)
        deleted = 0
        for user in list(queryset):
            try:
                user_delete(user_id=user.pk)
                deleted += 1
            except ApplicationError as exc:
                messages.error(request, f"{user.email}: {exc.detail}")
        messages.success(request, f"{deleted} account(s) deleted.")

    @admin.action(description="Sign out everywhere (revoke every refresh family)")
    def sign_out_everywhere(self, request, queryset):
        _each(
            request,
            queryset,
            lambda u: services.refresh_families_revoke_all(user_id=u.pk),
            "signed out everywhere",
        )


class LiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "live"

    def lookups(self, request, model_admin):
        return [
            ("yes", "Live (current token of an active family)"),
            ("no", "Consumed, revoked or expired"),
        ]

    def queryset(self, request, queryset):
        live = live_refresh_condition()
        if self.value() == "yes":
            return queryset.filter(live)
        if self.value() == "no":
            return queryset.exclude(live)
        return queryset


@admin.register(RefreshToken)
class RefreshTokenAdmin(admin.ModelAdmin):
    """Refresh-token records (hashes only). Read-only; the one write is revoking families."""

    list_display = ("user", "family", "issued_at", "expires_at", "consumed_at", "revoked_at", "ip")
    list_filter = (LiveFilter,)
    search_fields = ("user__email", "=family", "=ip")
    list_select_related = ("user",)
    ordering = ("-issued_at",)
    actions = ["revoke_families"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens' families", permissions=["view"])
    def revoke_families(self, request, queryset):
        families = set(queryset.values_list("family", flat=True))
        for family in families:
            services.refresh_family_revoke(family=family)
        messages.success(request, f"{len(families)} famil(y/ies) revoked.")
