from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("confirm/<str:token>/", views.confirm_identifier, name="confirm_identifier"),
]
