"""payloads_migration status|advance|rollback, the gate, the audit trail, the admin page and the repair task."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pagero.documents import public as documents
from payload_migration.models import PhaseChange, RepairEntry
from payload_migration.payloads.phases import Phase
from payload_migration.payloads.store import current_phase
from strangler.models import ContextRouteChange
from tests.conftest import ROOT, subprocess_env

from .conftest import force_phase

# Tests reaching the services request their fixtures (`empty_cassandra`, `celery_worker`), which marks them `services`.


def cli(*args: str) -> str:
    out = StringIO()
    call_command("payloads_migration", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_advance_is_audited_and_refused_with_reasons(empty_cassandra):
    assert "phase:               postgres_only" in cli("status")
    assert "phase is now dual_write" in cli("advance", "--reason", "start", "--actor", "ops:kim")
    assert "phase is now backfill" in cli("advance", "--reason", "copy old payloads")
    with pytest.raises(CommandError) as refused:
        cli("advance")
    assert "no backfill pass has finished since dual writes began" in str(refused.value)
    assert current_phase() is Phase.BACKFILL
    change = PhaseChange.objects.order_by("at", "id").first()
    assert (change.from_phase, change.to_phase, change.actor, change.reason) == (
        "postgres_only",
        "dual_write",
        "ops:kim",
        "start",
    )
    assert "phase is now dual_write" in cli("rollback", "--reason", "drill")
    assert PhaseChange.objects.filter(action="rollback", to_phase="dual_write", reason="drill").exists()


@pytest.mark.django_db
def test_cassandra_primary_refused_without_clean_verification_and_with_backlog(empty_cassandra, settings):
    settings.PAYLOAD_STORE = "migration"
    force_phase(Phase.SHADOW_READ)
    RepairEntry.objects.create(
        document_id="x",
        kind="original",
        target="cassandra",
        written_at="2026-11-01T00:00Z",
        next_attempt_at="2026-11-01T00:00Z",
    )
    with pytest.raises(CommandError) as refused:
        cli("advance")
    message = str(refused.value)
    assert "no clean verification in phase shadow_read" in message
    assert "repair log backlog is 1, must be 0" in message


@pytest.mark.django_db
def test_status_as_json_counts_both_stores(empty_cassandra, settings):
    settings.PAYLOAD_STORE = "migration"
    force_phase(Phase.DUAL_WRITE)
    documents.payload_store().put("a", "original", b"1")
    documents.database_payload_store().put("b", "original", b"2")
    status = json.loads(cli("status", "--json"))
    assert (status["phase"], status["database_payloads"], status["cassandra_payloads"]) == ("dual_write", 2, 1)
    assert status["next_phase"] == "backfill" and status["advance_blockers"] == []


@pytest.mark.django_db(transaction=True)
def test_cli_exit_codes(empty_cassandra):
    command = [sys.executable, "manage.py", "payloads_migration"]
    env = subprocess_env()
    refused = subprocess.run([*command, "rollback"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert refused.returncode == 1
    assert "postgres_only is the first phase" in refused.stderr and "Traceback" not in refused.stderr
    usage = subprocess.run([*command, "sideways"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert usage.returncode == 2 and "invalid choice: 'sideways'" in usage.stderr


@pytest.mark.django_db
def test_admin_page_shows_phase_gate_and_changes_phase(admin_client, empty_cassandra):
    page = admin_client.get("/admin/migration/payloadmigrationstate/")
    assert page.status_code == 200
    assert b"postgres_only" in page.content and b"gate open" in page.content
    response = admin_client.post(
        "/admin/migration/payloadmigrationstate/change/",
        {"action": "advance", "reason": "from the console"},
        follow=True,
    )
    assert b"Phase is now dual_write" in response.content
    assert PhaseChange.objects.get().actor == "admin:admin"
    admin_client.post("/admin/migration/payloadmigrationstate/change/", {"action": "advance", "reason": "next"})
    assert current_phase() is Phase.BACKFILL
    refused = admin_client.post(
        "/admin/migration/payloadmigrationstate/change/", {"action": "advance", "reason": "too fast"}, follow=True
    )
    assert b"Refused: no backfill pass has finished" in refused.content


@pytest.mark.django_db
@pytest.mark.parametrize("trail", ["migration/phasechange", "strangler/contextroutechange"])
def test_audit_trails_cannot_be_added_to_or_edited_in_the_console(admin_client, empty_cassandra, trail):
    from strangler import public as contexts

    cli("advance", "--reason", "audit row")
    contexts.set_mode("formats", "shadow", actor="test", reason="audit row")
    assert admin_client.get(f"/admin/{trail}/").status_code == 200
    assert admin_client.get(f"/admin/{trail}/add/").status_code == 403
    model = PhaseChange if trail.endswith("phasechange") else ContextRouteChange
    row = model.objects.first()
    before = {f.name: getattr(row, f.name) for f in model._meta.fields}
    admin_client.post(f"/admin/{trail}/{row.pk}/change/", {"actor": "forged", "reason": "forged"})
    row.refresh_from_db()
    assert {f.name: getattr(row, f.name) for f in model._meta.fields} == before


@pytest.mark.django_db
def test_admin_page_needs_staff(client):
    response = client.get("/admin/migration/payloadmigrationstate/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_repair_task_runs_on_a_real_worker(celery_worker, empty_cassandra):
    from payload_migration.tasks import drain_repair_log

    documents.database_payload_store().put("r1", "original", b"needs a copy")
    RepairEntry.objects.create(
        document_id="r1",
        kind="original",
        target="cassandra",
        written_at="2026-11-01T00:00Z",
        next_attempt_at="2026-11-01T00:00Z",
    )
    result = drain_repair_log.delay().get(timeout=60)
    assert result == {"repaired": 1, "failed": 0, "remaining": 0}
    assert documents.cassandra_payload_store().get("r1", "original") == b"needs a copy"


@pytest.mark.parametrize(
    "args", [["--rate", "0"], ["--mb-rate", "-1"], ["--max-latency-ms", "0"], ["--batch-size", "0"]]
)
@pytest.mark.slow  # a manage.py process per case
def test_backfill_refuses_nonsense_options(args):
    result = subprocess.run(
        [sys.executable, "manage.py", "payloads_backfill", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PAGERO_VAR_DIR": "/tmp/pagero-cli-test"},
    )
    assert result.returncode == 2 and "must be" in result.stderr and "Traceback" not in result.stderr
