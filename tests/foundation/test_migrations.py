"""The models and their migrations agree: `make test-fast` builds its database from the models (`--no-migrations`),
`make test`, `make run` and every deployment from the migrations, so a model changed without its migration would
pass the one and fail the others."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration(settings):
    settings.MIGRATION_MODULES = {}  # the project's own migrations, also under --no-migrations
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        pytest.fail(f"models changed without a migration (run manage.py makemigrations):\n{out.getvalue()}")
