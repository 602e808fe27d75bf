from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views, wallet_views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password_done"),
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_done.html"
        ),
        name="password_done",
    ),
    path("settings/", views.settings_page, name="settings"),
    path("settings/mode/", views.trading_mode_update, name="trading_mode"),
    path("settings/wallet/", wallet_views.wallet_connect_view, name="wallet_connect"),
    path(
        "settings/wallet/disconnect/",
        wallet_views.wallet_disconnect_view,
        name="wallet_disconnect",
    ),
    path(
        "settings/wallet/derive/",
        wallet_views.wallet_derive_view,
        name="wallet_derive",
    ),
    path(
        "settings/wallet/checks/",
        wallet_views.wallet_checks_view,
        name="wallet_checks",
    ),
    path("settings/paper/reset/", wallet_views.paper_reset_view, name="paper_reset"),
]
