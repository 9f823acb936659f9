"""Shadow experiments and what they observed."""

from __future__ import annotations

from django.db import models


class Experiment(models.Model):
    """A control implementation answering, a candidate run afterwards on the same input and compared."""

    name = models.CharField(max_length=100, unique=True)  # e.g. formats.convert
    context = models.CharField(max_length=50, db_index=True)  # e.g. formats
    control = models.CharField(max_length=100)  # implementation names (shadow.implementations)
    candidate = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    sample_rate = models.FloatField(default=1.0)
    noise_sample_rate = models.FloatField(default=0.1, help_text="share of inputs on which the control runs twice")
    time_budget_seconds = models.FloatField(default=10.0)
    ignore_paths = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.control} vs {self.candidate}"


class Observation(models.Model):
    OUTCOMES = [
        ("match", "match"),
        ("mismatch", "mismatch"),
        ("candidate_error", "candidate error"),
        ("timeout", "timeout"),
    ]

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="observations")
    tenant_id = models.BigIntegerField(null=True, blank=True)
    input_ref = models.CharField(max_length=200)
    params = models.JSONField(default=dict)
    outcome = models.CharField(max_length=20, choices=OUTCOMES, db_index=True)
    control_ms = models.FloatField()
    candidate_ms = models.FloatField(null=True, blank=True)
    differences = models.JSONField(default=list)
    noise = models.JSONField(default=list)
    signature = models.CharField(max_length=16, blank=True, db_index=True)
    error = models.TextField(blank=True)
    replay = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.experiment.name} {self.outcome} {self.input_ref}"


class NoisePath(models.Model):
    """A path that differed between two runs of the control itself: noise, not a mismatch."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="noise_paths")
    path = models.CharField(max_length=500)
    seen = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["experiment", "path"], name="uniq_noise_path")]

    def __str__(self) -> str:
        return self.path
