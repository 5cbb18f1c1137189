"""HTML page routes of this app (mounted at /accounts/)."""

from django.urls import path

from accounts import account_views, lifecycle_views, two_factor_views, views

urlpatterns = [
    path("", account_views.account_view, name="account"),
    path("profile/", account_views.profile_view, name="account-profile"),
    path("password/", account_views.password_view, name="account-password"),
    path(
        "verify-email/resend/",
        account_views.verify_email_resend_view,
        name="account-verify-email-resend",
    ),
    path(
        "sign-ins/<str:family>/end/",
        account_views.sign_in_revoke_view,
        name="account-sign-in-revoke",
    ),
    path(
        "sign-ins/end-all/",
        account_views.sign_ins_revoke_all_view,
        name="account-sign-ins-revoke-all",
    ),
    path("delete/", account_views.delete_view, name="account-delete"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.LoginCodeView.as_view(), name="login-code"),
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
    path("2fa/setup/email/", two_factor_views.enrol_request_view, name="2fa-enrol-request"),
    path("2fa/enrol/<str:token>/", two_factor_views.enrol_link_view, name="2fa-enrol"),
    path("2fa/verify/", two_factor_views.verify_view, name="2fa-verify"),
    path("2fa/recovery-codes/", two_factor_views.recovery_codes_view, name="2fa-recovery-codes"),
    path("2fa/disable/", two_factor_views.disable_view, name="2fa-disable"),
]
