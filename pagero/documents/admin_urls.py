from django.contrib import admin
from django.urls import path

from .admin import pipeline_overview

urlpatterns = [path("", admin.site.admin_view(pipeline_overview), name="admin-pipeline")]
