"""payloads_verify: compare every payload in both stores; --repair copies from the source of truth."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from payload_migration.payloads.progress import Progress
from payload_migration.payloads.verify import VerificationRefused, verify


class Command(BaseCommand):
    help = (
        "Compare every payload in PostgreSQL and Cassandra page by page (checkpointed: --resume continues an "
        "interrupted run); exit 1 when differences remain."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="copy differing payloads from the intact store")
        parser.add_argument(
            "--resume", action="store_true", help="continue the last interrupted run of this phase from its checkpoint"
        )
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, repair: bool, resume: bool, as_json: bool, **options) -> None:
        bar = Progress("verify", self.stderr if as_json else self.stdout)
        try:
            run = verify(repair=repair, progress=bar.update, resume=resume)
        except VerificationRefused as exc:
            raise CommandError(str(exc)) from exc
        bar.finish()
        summary = {
            "run": run.pk,
            "resumes": run.resumes,
            "phase": run.phase,
            "checked": run.checked,
            "missing_in_cassandra": run.missing_in_cassandra,
            "missing_in_database": run.missing_in_database,
            "mismatched": run.mismatched,
            "corrupt": run.corrupt,
            "repaired": run.repaired,
            "clean": run.clean,
            "examples": run.examples,
        }
        if as_json:
            self.stdout.write(json.dumps(summary, indent=2))
        else:
            self.stdout.write(
                f"verified {run.checked} payloads in {run.phase}: {run.missing_in_cassandra} missing in Cassandra, "
                f"{run.missing_in_database} missing in PostgreSQL, {run.mismatched} mismatched, {run.corrupt} corrupt"
                f"{f', {run.repaired} repaired' if repair else ''}"
            )
            for example in run.examples:
                self.stdout.write(
                    f"  {example['problem']}: {example['document_id']}/{example['kind']} {example['detail']}"
                )
        if not run.clean:
            raise CommandError(
                "differences found" + (" (repaired; run again to confirm a clean pass)" if run.repaired else "")
            )
