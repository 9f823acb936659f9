from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import orders, views

app_name = "portal"

reset = {"success_url": reverse_lazy("portal:password_reset_done")}

urlpatterns = [
    path("", views.home, name="home"),
    path("sent/", views.document_list, {"direction": "sent"}, name="sent"),
    path("received/", views.document_list, {"direction": "received"}, name="received"),
    path("sent/export.csv", views.export_list, {"direction": "sent"}, name="sent_export"),
    path("received/export.csv", views.export_list, {"direction": "received"}, name="received_export"),
    path("sent/download", views.bulk_download, {"direction": "sent"}, name="sent_bulk"),
    path("received/download", views.bulk_download, {"direction": "received"}, name="received_bulk"),
    path("documents/<uuid:document_id>/", views.document_detail, name="document"),
    path("documents/<uuid:document_id>/answer/<str:action>", views.answer, name="answer"),
    path("documents/<uuid:document_id>/confirm-resend", views.confirm_resend, name="confirm_resend"),
    path("documents/<uuid:document_id>/status.json", views.document_status, name="document_status"),
    path("documents/<uuid:document_id>/download/<str:fmt>/", views.download, name="download"),
    path("documents/<uuid:document_id>/respond/", orders.respond, name="respond"),
    path("send/", views.send, name="send"),
    path("send/check", views.send_check, name="send_check"),
    path("send/recipient", views.send_recipient, name="send_recipient"),
    path("send/submit", views.send_submit, name="send_submit"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/<str:action>", views.settings_action, name="settings_action"),
    path("login/", auth_views.LoginView.as_view(template_name="portal/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="portal/password_reset.html",
            email_template_name="portal/password_reset_email.txt",
            subject_template_name="portal/password_reset_subject.txt",
            **reset,
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="portal/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="portal/password_reset_confirm.html",
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="portal/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
