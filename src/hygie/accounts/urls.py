from django.contrib.auth import views as auth_views
from django.urls import path

from hygie.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        views.InvitationView.as_view(),
        name="invitation",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/2fa/verify/", views.two_factor_verify, name="2fa_verify"),
    path("accounts/2fa/setup/", views.two_factor_setup, name="2fa_setup"),
    path("accounts/2fa/recovery-codes/", views.two_factor_recovery, name="2fa_recovery"),
    path("accounts/2fa/disable/", views.two_factor_disable, name="2fa_disable"),
    path("o/<slug:org_slug>/settings/", views.org_settings, name="org_settings"),
    path("o/<slug:org_slug>/settings/members/add/", views.member_add, name="member_add"),
    path(
        "o/<slug:org_slug>/settings/members/<int:member_id>/",
        views.member_edit,
        name="member_edit",
    ),
    path("o/<slug:org_slug>/settings/audit/", views.audit_log, name="audit_log"),
]
