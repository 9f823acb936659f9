"""Operator console: the shadow experiments, each with a link to its context's report."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from pagero.console import moment

from .models import Experiment

MAX_IGNORE_PATHS = 100


class ExperimentForm(forms.ModelForm):
    sample_rate = forms.FloatField(min_value=0.0, max_value=1.0, help_text="share of inputs the candidate runs on")
    noise_sample_rate = forms.FloatField(min_value=0.0, max_value=1.0)
    time_budget_seconds = forms.FloatField(min_value=0.1, max_value=120.0)

    class Meta:
        model = Experiment
        fields = ["enabled", "sample_rate", "noise_sample_rate", "time_budget_seconds", "ignore_paths"]

    def clean_ignore_paths(self) -> list[str]:
        paths = self.cleaned_data.get("ignore_paths") or []
        if not isinstance(paths, list) or not all(isinstance(p, str) and 0 < len(p) <= 500 for p in paths):
            raise forms.ValidationError('a list of paths, e.g. ["/UNB[*]/4"], each at most 500 characters')
        if len(paths) > MAX_IGNORE_PATHS:
            raise forms.ValidationError(f"at most {MAX_IGNORE_PATHS} paths")
        return paths


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    """What runs is set here (on/off, sampling, time budget, ignored paths); which implementations are compared is
    set by the code that creates the experiment (`ensure_experiment`), so it is read-only."""

    form = ExperimentForm
    list_display = ["name", "context", "control", "candidate", "enabled", "sample_rate", "created", "report"]
    list_filter = ["context", "enabled"]
    fields = [
        "name",
        "context",
        "control",
        "candidate",
        "enabled",
        "sample_rate",
        "noise_sample_rate",
        "time_budget_seconds",
        "ignore_paths",
        "created",
        "report",
    ]
    readonly_fields = ["name", "context", "control", "candidate", "created", "report"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="created", ordering="created_at")
    def created(self, experiment: Experiment) -> str:
        return moment(experiment.created_at)

    @admin.display(description="report")
    def report(self, experiment: Experiment) -> str:
        return format_html(
            '<a href="{}">shadow report: {}</a>',
            reverse("shadow-report", args=[experiment.context]),
            experiment.context,
        )
