"""Mutation score of the modules whose decisions matter most (`make mutate`, docs/mutation.md).

`python devtools/mutate.py run` runs mutmut (configured in pyproject.toml, [tool.mutmut]) against the service-free
tests: DATABASE_URL, CELERY_BROKER_URL and CASSANDRA_HOSTS are removed from its environment, so the tests use
SQLite and eager Celery. `python devtools/mutate.py report` prints, per module, killed / total and the surviving
mutants from the results mutmut left in mutants/ (`mutmut show <name>` prints one mutant's diff).

A mutant counts as killed when a test failed or timed out with it; one that no test reached counts as surviving.
Some modules are measured on the functions that carry the decision (SCOPES): the rest of such a module is listed
separately, not counted in its score.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "CASSANDRA_HOSTS")
# mutmut's exit-code verdicts (mutmut/stats.py), reduced to what the score needs.
KILLED = {1: "killed", 3: "killed", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout"}
NOT_REACHED = {5, 33}
NOT_RUN = {None, 2}
THRESHOLD = 85.0


@dataclass(frozen=True)
class Scope:
    label: str
    path: str
    functions: frozenset[str] = frozenset()  # empty: the whole module
    target: bool = True  # False: shown for information, outside the threshold


SCOPES = (
    Scope("documents/lifecycle", "pagero/documents/lifecycle.py"),
    Scope("routing/rules", "pagero/routing/rules.py"),
    Scope(
        "delivery/webhook: outcome + signing",
        "pagero/delivery/webhook.py",
        frozenset({"signature", "_status_text", "send", "post"}),
    ),
    Scope("documents/tasks: backoff", "pagero/documents/tasks.py", frozenset({"jittered", "backoff_seconds"})),
    Scope(
        "documents/tasks: step retries",
        "pagero/documents/tasks.py",
        frozenset({"_run_step", "retry", "_step_task", "deliver_document"}),
        target=False,
    ),
    Scope("delivery/webhook: whole module", "pagero/delivery/webhook.py", target=False),
    Scope("delivery/channels/email: outcome", "pagero/delivery/channels/email.py"),
    Scope("delivery/channels/webhook: outcome", "pagero/delivery/channels/webhook.py"),
    Scope("payload_migration/phases", "payload_migration/payloads/phases.py"),
    Scope("shadow/compare", "shadow/compare.py"),
    Scope("shadow/report: gate", "shadow/report.py", frozenset({"gate"})),
    Scope("shadow/report: whole module", "shadow/report.py", target=False),
    Scope("formats/values", "pagero/formats/values.py"),
)


@dataclass
class Tally:
    killed: int = 0
    total: int = 0
    survivors: list[str] = field(default_factory=list)
    not_run: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.total if self.total else 100.0


def function_of(mutant: str, module: str) -> str:
    """`pagero.x.y.x_post__mutmut_3` -> `post`; methods (x<sep>Class<sep>name) -> `Class.name`."""
    name = mutant[len(module) + 1 :].rsplit("__mutmut_", 1)[0]
    name = name[2:] if name.startswith("x_") else name[1:]
    return ".".join(part for part in name.split("\u01c1") if part)


def tallies() -> list[tuple[Scope, Tally]]:
    out = []
    for scope in SCOPES:
        meta = MUTANTS / f"{scope.path}.meta"
        tally = Tally()
        if not meta.exists():
            out.append((scope, tally))
            continue
        module = scope.path.removesuffix(".py").replace("/", ".")
        for mutant, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            function = function_of(mutant, module)
            if scope.functions and function not in scope.functions:
                continue
            if code in NOT_RUN:
                tally.not_run += 1
                continue
            tally.total += 1
            if code in KILLED:
                tally.killed += 1
            else:
                reason = "no test reaches it" if code in NOT_REACHED else f"exit {code}"
                tally.survivors.append(mutant if code == 0 else f"{mutant} ({reason})")
        out.append((scope, tally))
    return out


def report(show_survivors: bool) -> int:
    results = tallies()
    print(f"{'module':40} {'killed':>7} {'total':>6} {'score':>7}")
    below = []
    for scope, tally in results:
        note = f"  ({tally.not_run} not run)" if tally.not_run else ""
        note += "" if scope.target else "  (information)"
        # No verdict is no score: a module this run did not test must not read as 100 %.
        score = f"{tally.percent:6.1f}%" if tally.total else f"{'-':>7}"
        print(f"{scope.label:40} {tally.killed:7d} {tally.total:6d} {score}{note}")
        if scope.target and tally.total and tally.percent < THRESHOLD:
            below.append(scope.label)
    if show_survivors:
        for scope, tally in results:
            if tally.survivors and scope.target:
                print(f"\nsurvivors in {scope.label}:")
                for name in tally.survivors:
                    print(f"  {name}")
    if below:
        print(f"\nbelow {THRESHOLD:g} %: {', '.join(below)}")
    return 1 if below else 0


def run(children: int, fresh: bool, names: list[str], skip_tests: list[str] | None = None) -> int:
    if fresh and MUTANTS.exists():
        # mutmut keeps verdicts between runs; a test added since would not be counted against an old verdict.
        shutil.rmtree(MUTANTS)
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    if skip_tests:
        # mutmut stops when one selected test fails without a mutant: a test (or directory of tests) failing for
        # another reason can be left out of the run, by node id or path prefix, and the score says so.
        deselect = " ".join(f"--deselect {test}" for test in skip_tests)
        env["PYTEST_ADDOPTS"] = f"{env.get('PYTEST_ADDOPTS', '')} {deselect}".strip()
        print(f"tests left out of this run: {', '.join(skip_tests)}")
    mutmut = Path(sys.executable).with_name("mutmut")
    started = time.monotonic()
    code = subprocess.call([str(mutmut), "run", "--max-children", str(children), *names], cwd=ROOT, env=env)
    print(f"\nmutmut run: exit {code} after {time.monotonic() - started:.0f} s with {children} worker(s)")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run mutmut, then print the report")
    run_parser.add_argument("--children", type=int, default=os.cpu_count() or 1, help="parallel mutant runs")
    run_parser.add_argument("--keep", action="store_true", help="reuse the verdicts of an earlier run in mutants/")
    run_parser.add_argument(
        "--skip-tests",
        action="append",
        default=[],
        metavar="NODE",
        help="leave out a test or a test path (repeatable), e.g. one that fails without any mutant",
    )
    run_parser.add_argument("names", nargs="*", help="only these mutants (mutmut names, * allowed)")
    report_parser = commands.add_parser("report", help="print the scores of the last run")
    for sub in (run_parser, report_parser):
        sub.add_argument("--quiet", action="store_true", help="scores only, no list of survivors")
    args = parser.parse_args(argv)
    if args.command == "run":
        code = run(args.children, fresh=not args.keep, names=args.names, skip_tests=args.skip_tests)
        if code != 0:
            return code
    return report(show_survivors=not args.quiet)


if __name__ == "__main__":
    sys.exit(main())
