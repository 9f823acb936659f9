#!/usr/bin/env python
"""Django's command-line utility for the exchange network."""

import importlib
import importlib.util
import os
import sys

# Commands that need only the formats domain and the settings: run without Django start-up (apps, models, URL
# checks, the Celery app), which costs seconds per call, while the command itself takes a fraction of one.
STANDALONE_COMMANDS = frozenset({"convert", "validate"})
# Django's own options change how Django starts: with any of them the command runs the Django way.
DJANGO_OPTIONS = ("--settings", "--pythonpath", "--traceback", "--verbosity", "-v", "--no-color", "--force-color")


def standalone(argv: list[str]) -> bool:
    return (
        len(argv) > 1
        and argv[1] in STANDALONE_COMMANDS
        and not any(arg.split("=", 1)[0] in DJANGO_OPTIONS or arg.startswith("-v") for arg in argv[2:])
    )


def run_standalone(argv: list[str]) -> int:
    # The pagero package's __init__ loads the Celery app (for Django's workers and tasks); these commands use
    # neither, so the package is registered without running it and only the modules they import are loaded.
    spec = importlib.util.find_spec("pagero")
    if spec is not None and "pagero" not in sys.modules:
        sys.modules["pagero"] = importlib.util.module_from_spec(spec)
    settings = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    from pagero.formats.management import cli

    return cli.main(argv[1:], settings.MAX_DOCUMENT_BYTES, prog=os.path.basename(argv[0]))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagero.settings")
    if standalone(sys.argv):
        sys.exit(run_standalone(sys.argv))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
