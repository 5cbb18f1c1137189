"""Users (SQL). Refresh-token records live here too (see the accounts services)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.managers import UserManager
from accounts.roles import Role


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    email_verified = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Access tokens issued before this instant are refused (logout-all, password change,
    # deactivation, role change). The durable copy of the stamp the cache serves.
    tokens_not_before = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]),
                name="accounts_user_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """What a browser session is bound to (Django checks it on every request): the
        password hash, as Django does, and the "not before" stamp, so ending every sign-in
        (logout-all, password change or reset, deactivation, role change) ends the
        browser sessions too, not only the tokens. An account never revoked hashes as
        Django's stock rule does."""
        bound = self.password
        if self.tokens_not_before is not None:
            bound = f"{bound}|{int(self.tokens_not_before.timestamp() * 1_000_000)}"
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            bound,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def apply_role_flags(self) -> None:
        """Admins are staff and superusers; instructors are staff (scoped in the admin);
        students never enter the admin."""
        self.is_staff = self.role in (Role.ADMIN, Role.INSTRUCTOR)
        self.is_superuser = self.role == Role.ADMIN


def live_refresh_condition() -> models.Q:
    """The current token of a live family: not consumed by a rotation, not revoked, and
    neither it nor its family past their end. The one definition of "live"."""
    now = timezone.now()
    return models.Q(
        consumed_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
        family_expires_at__gt=now,
    )


class RefreshTokenQuerySet(models.QuerySet["RefreshToken"]):
    def live(self) -> RefreshTokenQuerySet:
        return self.filter(live_refresh_condition())


class RefreshToken(models.Model):
    """One issued refresh token, stored only as the SHA-256 of its `jti` (never the token).

    A *family* is one sign-in and every rotation that followed it; all its rows share
    `family`. At most one row of a live family is unconsumed and unrevoked: the token the
    client holds now. Consumed rows are kept until they expire so that a replay is
    recognised as theft (`token_reused`) rather than as an unknown token.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    family = models.UUIDField(db_index=True)
    jti_hash = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Absolute end of the family (the first sign-in + REFRESH_FAMILY_MAX_AGE), copied to
    # every row so a rotation never has to look further than the presented row.
    family_expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True, default="")

    objects = RefreshTokenQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["user", "revoked_at"], name="accounts_rt_user_revoked"),
            models.Index(fields=["expires_at"], name="accounts_rt_expires"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("issued_at")),
                name="accounts_rt_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"refresh family {self.family} of user {self.user_id}"
