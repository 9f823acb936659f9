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
