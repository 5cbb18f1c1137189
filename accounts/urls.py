"""HTML page routes of this app (mounted at /accounts/)."""

from django.urls import path

from accounts import lifecycle_views, two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("register/", views.RegisterView.as_view(), name="register"),
    path("logout/", views.logout_view, name="logout"),
    path(
        "password-reset/",
        lifecycle_views.PasswordResetRequestView.as_view(),
        name="password-reset",
    ),
    path(
        "reset/<str:token>/",
        lifecycle_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("verify/<str:token>/", lifecycle_views.email_verify_view, name="verify-email"),
    path("2fa/", two_factor_views.status_view, name="2fa"),
    path("2fa/setup/", two_factor_views.setup_view, name="2fa-setup"),
    path("2fa/verify/", two_factor_views.verify_view, name="2fa-verify"),
    path("2fa/recovery-codes/", two_factor_views.recovery_codes_view, name="2fa-recovery-codes"),
    path("2fa/disable/", two_factor_views.disable_view, name="2fa-disable"),
]
