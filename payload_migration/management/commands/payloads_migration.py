"""payloads_migration status|advance|rollback|purge: drive the PostgreSQL -> Cassandra payload migration."""

from __future__ import annotations

import getpass
import json

from django.core.management.base import BaseCommand, CommandError

from payload_migration.payloads import controller
from payload_migration.payloads.progress import Progress


class Command(BaseCommand):
    help = "Show or change the phase of the payload migration (every change is audited)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["status", "advance", "rollback", "purge"])
        parser.add_argument("--reason", default="", help="why (kept in the audit trail)")
        parser.add_argument("--actor", default=None, help="who (default: the login name)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="status as JSON")

    def handle(self, *args, action: str, reason: str, actor: str | None, as_json: bool, **options) -> None:
        actor = actor or f"cli:{getpass.getuser()}"
        if action == "status":
            self.print_status(controller.status(), as_json=as_json)
            return
        try:
            if action == "advance":
                bar = Progress("deleting PostgreSQL payload rows", self.stdout)
                phase = controller.advance(actor, reason, purge_progress=bar.update)
                self.stdout.write(self.style.SUCCESS(f"phase is now {phase}"))
            elif action == "rollback":
                phase = controller.rollback(actor, reason)
                self.stdout.write(self.style.SUCCESS(f"phase is now {phase}"))
            else:
                deleted = controller.purge_database(Progress("deleting PostgreSQL payload rows", self.stdout).update)
                self.stdout.write(f"deleted {deleted} PostgreSQL payload rows")
        except controller.TransitionRefused as exc:
            raise CommandError(
                f"refused: cannot {action} from the current phase:\n  - " + "\n  - ".join(exc.reasons)
            ) from exc

    def print_status(self, status: controller.MigrationStatus, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(status.as_dict(), indent=2, default=str))
            return
        w = self.stdout.write
        w(f"phase:               {status.phase} (since {status.entered_at})")
        nxt = status.next_phase or "-"
        verdict = "ready" if not status.advance_blockers else "blocked"
        w(f"next phase:          {nxt} ({verdict})")
        for reason in status.advance_blockers:
            w(f"  - {reason}")
        cassandra = status.cassandra_payloads if status.cassandra_payloads is not None else "unknown"
        if status.cassandra_payloads_estimated:
            cassandra = f"~{cassandra} (Cassandra's estimate)"
        w(f"payloads:            PostgreSQL {status.database_payloads}, Cassandra {cassandra}")
        if status.cassandra_error:
            w(f"cassandra error:     {status.cassandra_error}")
        w(f"repair log:          {status.repair_backlog} due, {status.repair_deferred} deferred")
        reads = ", ".join(f"{k} {v}" for k, v in sorted(status.read_counts.items())) or "none"
        w(f"read comparisons:    {reads}")
        v = status.verification
        if v:
            w(
                f"last verification:   {'clean' if v['clean'] else 'NOT clean'} in {v['phase']} at {v['started_at']}: "
                f"{v['checked']} checked, {v['missing_in_cassandra']} missing in Cassandra, "
                f"{v['missing_in_database']} missing in PostgreSQL, {v['mismatched']} mismatched, "
                f"{v['corrupt']} corrupt, {v['repaired']} repaired"
            )
        else:
            w("last verification:   none")
        b = status.backfill
        if b:
            state = "finished" if b["finished"] else "in progress"
            w(f"last backfill:       {state}, {b['copied']} copied, {b['skipped']} skipped, cursor {b['cursor']}")
        for line in status.history:
            w(f"history:             {line}")
