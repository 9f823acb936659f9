"""context_route status | set CONTEXT MODE [--percent N] [--reason ...] [--override]"""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from strangler import public as contexts


class Command(BaseCommand):
    help = "Show or change where a context's calls go (local, shadow, canary, remote); every change is audited."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["status", "set"])
        parser.add_argument("context", nargs="?")
        parser.add_argument("mode", nargs="?", choices=contexts.MODES)
        parser.add_argument("--percent", type=int, default=0, help="canary: share of tenants answered remotely")
        parser.add_argument("--reason", default="")
        parser.add_argument("--override", action="store_true", help="switch although the cutover gate is shut")
        parser.add_argument("--actor", default=None)

    def handle(self, *args, action: str, context, mode, percent: int, reason: str, override: bool, actor, **options):
        if action == "status":
            for row in contexts.status():
                gate = "open" if row.gate.allowed else "shut: " + "; ".join(row.gate.reasons)
                extra = f" {row.canary_percent}%" if row.mode == "canary" else ""
                self.stdout.write(f"{row.context}: {row.mode}{extra} (cutover gate {gate})")
                self.stdout.write(f"  circuit {row.breaker}")
                for instance in row.instances:
                    self.stdout.write(
                        f"  live: {instance.host} pid {instance.pid}, version {instance.version}, "
                        f"last seen {instance.last_seen:%Y-%m-%d %H:%M:%S}"
                    )
                if not row.instances:
                    self.stdout.write("  no live instance")
                for warning in row.warnings:
                    self.stdout.write(self.style.WARNING(f"  warning: {warning}"))
                if row.last_local_reason and row.last_local_at:
                    self.stdout.write(
                        f"  last answered locally at {row.last_local_at:%Y-%m-%d %H:%M:%S}: {row.last_local_reason}"
                    )
            return
        if not context or not mode:
            raise CommandError("usage: context_route set CONTEXT MODE [--percent N]", returncode=2)
        try:
            route = contexts.set_mode(
                context,
                mode,
                percent=percent,
                actor=actor or f"cli:{getpass.getuser()}",
                reason=reason,
                override=override,
            )
        except contexts.ModeRefused as exc:
            raise CommandError("refused:\n  - " + "\n  - ".join(exc.reasons)) from exc
        self.stdout.write(self.style.SUCCESS(f"{route}"))
        for warning in contexts.switch_warnings(route.context, route.mode):
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
