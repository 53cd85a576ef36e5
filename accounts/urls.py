from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views

app_name = "accounts"

password_reset = [
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:login"),
        ),
        name="password_reset_confirm",
    ),
]

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor_view, name="two_factor"),
    path("request-access/", views.request_access, name="request_access"),
    path("request-access/<str:token>/", views.confirm_access_request, name="confirm_access_request"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("organization/members/", views.members, name="members"),
    path("organization/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("organization/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("organization/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("organization/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("organization/api-keys/", views.api_keys, name="api_keys"),
    path("organization/api-keys/<str:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("organization/audit-log/", views.audit_log, name="audit_log"),
    *password_reset,
]
