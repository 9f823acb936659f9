"""Run the SFTP drop: organisations upload documents to in/ and fetch result files from out/ (pagero/intake)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pagero.intake import public as intake


class Command(BaseCommand):
    help = "Serve the SFTP drop (public-key logins: user = organisation slug, keys from the portal's SFTP settings)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=getattr(settings, "SFTP_LISTEN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(getattr(settings, "SFTP_PORT", 2222)))
        parser.add_argument(
            "--host-key",
            default=str(intake.host_key_path()),
            help="the server's private host key (OpenSSH format); made the first time if missing",
        )

    def handle(self, *args, host: str, port: int, host_key: str, **options) -> None:
        if not 0 <= port < 65536:
            raise CommandError(f"--port must be 0 to 65535, not {port}")
        try:
            key = intake.ensure_host_key(host_key)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read or make the host key {host_key}: {exc}") from None

        def listening(bound: int) -> None:
            self.stdout.write(
                f"SFTP drop on {host}:{bound}; host key {key.get_fingerprint('sha256')}\n"
                f"known_hosts line: [{host}]:{bound} {key.export_public_key().decode().strip()}"
            )
            self.stdout.flush()

        try:
            intake.serve(host, port, key, on_listening=listening)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from None
