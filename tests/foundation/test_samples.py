"""The README's first steps run as written: its curl commands, run by curl from the repository's folder against the
product on the embedded default (gunicorn, SQLite, eager pipeline, the demo data), post each sample of `samples/`
and every one is delivered to the other demo organisation."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.foundation.test_embedded_concurrency import embedded_server  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
README_BASE = "http://127.0.0.1:8000"
pytestmark = pytest.mark.slow  # a gunicorn and two manage.py processes


def quick_start_commands() -> list[str]:
    """The curl commands of the README's Quick start, continuation lines joined."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Quick start") : readme.index("\n## ", readme.index("## Quick start") + 1)]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL):
        joined = re.sub(r"\\\n\s*", " ", block)
        commands += [line.strip() for line in joined.splitlines() if line.strip().startswith("curl ")]
    return commands


def test_the_samples_are_addressed_between_the_demo_organisations():
    names = sorted(p.name for p in SAMPLES.iterdir())
    assert names == ["invoice-cii.xml", "invoice-edifact.edi", "invoice-ubl.xml", "order-ubl.xml"]
    posted = [re.search(r"@(\S+)", c).group(1) for c in quick_start_commands() if "--data-binary" in c]
    assert sorted(Path(p).name for p in posted) == names  # the README posts every sample, by a path that exists
    assert all((ROOT / p).is_file() for p in posted)


def test_every_quick_start_example_runs_as_written_and_delivers(embedded_server):  # noqa: F811
    base, _, log_path = embedded_server
    curl = shutil.which("curl")
    assert curl, "curl is needed to run the README's examples as written"
    answers = []
    for command in quick_start_commands():
        ran = subprocess.run(
            command.replace(README_BASE, base), shell=True, cwd=ROOT, capture_output=True, timeout=120, check=False
        )
        assert ran.returncode == 0, (command, ran.stderr)
        answers.append((command, json.loads(ran.stdout)))
    submitted = [(c, a) for c, a in answers if "-X POST" in c]
    assert len(submitted) == 4
    for command, answer in submitted:
        assert answer.get("status") == "delivered", (command, answer, log_path.read_text()[-2000:])
    nordic_inbox, acme_inbox = (a for c, a in answers if "/api/v1/inbox" in c)
    assert sorted(d["number"] for d in nordic_inbox["results"]) == ["ACME-2001", "ACME-2002", "ACME-2003"]
    assert all(d["content_url"].endswith("format=cii") for d in nordic_inbox["results"])
    assert [(d["number"], d["document_type"]) for d in acme_inbox["results"]] == [("NR-PO-1001", "order")]
