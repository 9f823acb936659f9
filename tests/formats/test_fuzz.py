"""Fuzzing the formats port with mutated corpus documents: a result or a FormatError, never a crash or a hang.

Every example is a corpus document damaged by a few mutation steps (fuzz_strategies.py): bytes (truncation,
flips, control characters, BOMs, encodings), XML structure and values (hostile numbers, dates, texts, deep
nesting, many unknown elements, attributes), EDIFACT (segments, separators, UNA, release characters, packages,
service counts). Each call runs under a watchdog, so a hang fails with its input instead of stalling the run.

CI runs a small, fixed set of examples; `FUZZ_EXAMPLES=2000` (what `make fuzz` sets) explores further.
A failing example prints as Mutated(seed, steps): `fuzz_strategies.rebuild(seed, steps)` gives its bytes.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import re
import signal
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

from pagero.formats import public

from .corpus import ROOT, needs_corpus
from .fuzz_strategies import VALID_SEPARATORS, Mutated, mutated, seed_bytes, seed_paths, with_separators

pytestmark = needs_corpus
T = TypeVar("T")

# A corpus document takes milliseconds through any call here (the official rules a few hundred ms once
# their stylesheet is compiled); 10 s means the call does not finish.
EXAMPLE_SECONDS = 10

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
# Two profiles: "fuzz-ci", the same few examples every run (a red build must be reproducible), and "fuzz-deep",
# FUZZ_EXAMPLES examples per test that keep exploring. They are looked up, not loaded, so that the other
# property tests keep their own settings.
settings.register_profile(
    "fuzz-ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    print_blob=True,
    # No explain phase: it traces every line of the slowest examples again, for little news here.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
settings.register_profile(
    "fuzz-deep", settings.get_profile("fuzz-ci"), max_examples=max(EXAMPLES, 1), derandomize=False
)
FUZZ = settings.get_profile("fuzz-deep" if EXAMPLES else "fuzz-ci")
# The official rules take the longest; they get a fifth of the examples.
FUZZ_RULES = settings(FUZZ, max_examples=max(FUZZ.max_examples // 5, 5))


class ExampleTimedOut(Exception):
    """The call under test did not return within EXAMPLE_SECONDS."""


# Where a call stuck in native code is reported (see Watchdog); pytest captures stderr, and the process ends.
HANG_LOG = ROOT / "test-artifacts" / f"fuzz-hang-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
_hang_log: list[TextIO] = []


def _native_hang_log(label: str) -> TextIO:
    if not _hang_log:
        HANG_LOG.parent.mkdir(parents=True, exist_ok=True)
        _hang_log.append(open(HANG_LOG, "w"))  # stays open: faulthandler writes to it from its own thread
    log = _hang_log[0]
    log.seek(0)
    log.truncate()
    log.write(f"a call did not return and could not be interrupted; its input: {label}\n")
    log.flush()
    return log


class Watchdog:
    """Interrupt the call after `seconds` with ExampleTimedOut (SIGALRM, main thread).

    A signal only interrupts Python code. A call stuck inside native code (lxml, Saxon) is ended by
    faulthandler instead: at three times the bound it writes the input and every thread's stack to
    HANG_LOG and exits the process, so the run stops instead of hanging.
    """

    def __init__(self, seconds: float = EXAMPLE_SECONDS, label: str = "") -> None:
        self.seconds, self.label, self.armed = seconds, label, False

    def expire(self, signum: int, frame: object) -> None:
        if self.armed:
            raise ExampleTimedOut(f"the call did not return within {self.seconds} s")

    def __enter__(self) -> None:
        self.previous = signal.signal(signal.SIGALRM, self.expire)
        # No garbage collection during the call: an exception raised while a gc callback runs is discarded by
        # the interpreter (hypothesis keeps one), and a runaway loop filling a list makes full collections
        # take longer and longer; either would keep the alarm from interrupting the call. The alarm repeats
        # every 50 ms after the bound, until disarmed, in case one is swallowed by an `except Exception`.
        self.collecting = gc.isenabled()
        gc.disable()
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds, 0.05)
        faulthandler.dump_traceback_later(self.seconds * 3, exit=True, file=_native_hang_log(self.label))

    def __exit__(self, *exc_info: object) -> None:
        # A class, not a generator: an alarm arriving here must not leave the teardown to the garbage collector.
        try:
            self.armed = False
        finally:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            faulthandler.cancel_dump_traceback_later()
            signal.signal(signal.SIGALRM, self.previous)
            if self.collecting:
                gc.enable()


def outcome(call: Callable[..., T], *args: object, label: object = None) -> T | public.FormatError:
    """The call's result, or the product's own error with a message; anything else propagates and fails."""
    with Watchdog(label=f"{call.__name__}: {label if label is not None else repr(args)[:2000]}"):
        try:
            return call(*args)
        except ExampleTimedOut as timeout:
            # Raised afresh, naming where the call was: the original traceback holds the runaway call's frames
            # (a list of millions of items), and hypothesis keeps every failure while it shrinks.
            where = traceback.extract_tb(timeout.__traceback__)[-3:]
            stack = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(where))
            raise ExampleTimedOut(f"{timeout} (in {stack})") from None
        except public.FormatError as error:
            assert isinstance(error.message, str) and error.message.strip(), f"{type(error).__name__} without message"
            assert str(error).strip()
            assert error.code and error.as_dict()["message"] == error.message
            return error


def show(example: Mutated) -> None:
    """The exact bytes of a small failing example, printed with the falsifying example."""
    if len(example.data) <= 4000:
        note(f"data = {example.data!r}")


def check_parse(example: Mutated) -> None:
    show(example)
    detected = outcome(public.detect, example.data, label=example)
    parsed = outcome(public.parse, example.data, label=example)
    if isinstance(parsed, public.ParsedDocument):
        assert isinstance(parsed.invoice, public.Invoice)
        assert not isinstance(detected, public.FormatError), "parse read a document that detect refused"
        assert parsed.detected == detected


def check_convert(example: Mutated) -> None:
    """Conversion to every target; what a conversion writes is a document the product reads again."""
    show(example)
    for target in public.SYNTAXES:
        converted = outcome(public.convert, example.data, target, label=example)
        if isinstance(converted, public.FormatError):
            continue
        assert isinstance(converted.data, bytes) and converted.data
        again = outcome(public.parse, converted.data, label=f"the {target} output of {example!r}")
        assert isinstance(again, public.ParsedDocument), f"the {target} output is refused by its own reader: {again}"
        assert again.detected.syntax == {"cii-d22b": "cii"}.get(target, target)  # D22B is CII, version D22B


def check_validate(example: Mutated, business_rules: bool) -> None:
    show(example)
    report = outcome(public.validate, example.data, business_rules, label=example)
    if isinstance(report, public.ValidationReport):
        assert report.syntax in public.SYNTAXES
        assert all(finding.rule_id and finding.message for finding in report.findings)


# -- bytes: any seed -----------------------------------------------------------------------------------------


@FUZZ
@given(mutated("any", "bytes"))
def test_damaged_bytes_are_detected_and_parsed_or_refused(example):
    check_parse(example)


@FUZZ
@given(mutated("any", "bytes"))
def test_damaged_bytes_are_converted_or_refused(example):
    check_convert(example)


@FUZZ
@given(mutated("any", "bytes"))
def test_damaged_bytes_are_schema_validated_or_refused(example):
    check_validate(example, business_rules=False)


# -- XML structure and values --------------------------------------------------------------------------------


@FUZZ
@given(mutated("xml", "structure"))
def test_mutated_xml_is_parsed_or_refused(example):
    check_parse(example)


@FUZZ
@given(mutated("xml", "structure"))
def test_mutated_xml_is_converted_or_refused(example):
    check_convert(example)


@FUZZ
@given(mutated("xml", "structure"))
def test_mutated_xml_is_schema_validated_or_refused(example):
    check_validate(example, business_rules=False)


@FUZZ_RULES
@given(mutated("xml", "structure", max_steps=2))
def test_mutated_xml_is_validated_by_the_rules_or_refused(example):
    check_validate(example, business_rules=True)


# -- EDIFACT segments, separators, packages ------------------------------------------------------------------


@FUZZ
@given(mutated("edifact", "structure"))
def test_mutated_edifact_is_parsed_or_refused(example):
    check_parse(example)


@FUZZ
@given(mutated("edifact", "structure"))
def test_mutated_edifact_is_converted_or_refused(example):
    check_convert(example)


@FUZZ_RULES
@given(mutated("edifact", "structure", max_steps=2))
def test_mutated_edifact_is_validated_by_the_rules_or_refused(example):
    check_validate(example, business_rules=True)


# -- hostile numbers and dates where the seeds hold numbers and dates -----------------------------------------


@FUZZ
@given(mutated("xml", "typed", max_steps=2))
def test_hostile_numbers_and_dates_in_xml_are_converted_or_refused(example):
    check_parse(example)
    check_convert(example)


@FUZZ
@given(mutated("edifact", "typed", max_steps=2))
def test_hostile_numbers_and_dates_in_edifact_are_converted_or_refused(example):
    check_parse(example)
    check_convert(example)


# -- EDIFACT separators: what the UNA declares is honoured ----------------------------------------------------


@FUZZ
@given(st.sampled_from(seed_paths("edifact")), st.sampled_from(VALID_SEPARATORS))
def test_edifact_with_other_separators_reads_the_same(seed, separators):
    """The same interchange written with other separators (declared in its UNA) gives the same model."""
    original = seed_bytes(seed)
    # Package content (UNO ... UNP) is raw bytes of a declared length: the rewriting does not re-escape it.
    assume(not re.search(rb"(^|['\n])UNO\+", original))
    rewritten = with_separators(original, separators)
    note(f"rewritten = {rewritten[:600]!r}")
    expected = outcome(public.parse, original, label=seed)
    assume(isinstance(expected, public.ParsedDocument))
    again = outcome(public.parse, rewritten, label=f"{seed} with separators {separators!r}")
    assert isinstance(again, public.ParsedDocument), f"refused with separators {separators!r}: {again}"
    assert public.diff_models(expected.invoice, again.invoice) == []


# -- both families at once -----------------------------------------------------------------------------------


@FUZZ
@given(mutated("any", "mixed", max_steps=4), st.sampled_from(public.SYNTAXES))
def test_mixed_damage_is_converted_or_refused(example, target):
    show(example)
    converted = outcome(public.convert, example.data, target, label=example)
    assert isinstance(converted, public.Conversion | public.FormatError)


# -- the guard itself ----------------------------------------------------------------------------------------


def test_the_watchdog_turns_a_hang_into_a_failure():
    def spin() -> None:
        while True:
            pass

    with pytest.raises(ExampleTimedOut), Watchdog(seconds=0.2):
        spin()


def test_an_exception_other_than_format_error_fails_the_example():
    with pytest.raises(ZeroDivisionError):
        outcome(lambda: 1 / 0)
