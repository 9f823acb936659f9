"""Shadow traffic benchmark: what shadowing costs the primary path, and remote vs local call latency.

Runs the pipeline (gunicorn + a Celery worker) next to the shadow side at the lowest CPU priority (a
Celery worker on the shadow queue and a `serve_context formats` process, both under nice 19), with
shadow off and on in alternating rounds of the same run, and
prints throughput and submit p99 for each with their ratio; then times formats.convert called in
process and through the extracted service.

    python bench/shadow.py [--documents 120] [--rounds 2] [--calls 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from _setup import ROOT, percentile, setup_django
from pipeline import QUEUE, measure, prepare, start_stack, stop_stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=120, help="documents per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of off and on each")
    parser.add_argument("--calls", type=int, default=200, help="calls for the remote vs local latency")
    parser.add_argument("--sample-rate", type=float, default=1.0, help="share of documents shadowed")
    args = parser.parse_args()
    setup_django()
    sys.path.insert(0, str(ROOT))
    from django.conf import settings

    from pagero.celery import worker_command
    from shadow.models import Experiment, Observation
    from strangler import public as contexts
    from strangler.registry import METHODS
    from strangler.router import call_remote
    from tests.exchange.factory import document

    settings.CONTEXT_QUEUE_PREFIX = f"{QUEUE}.context."
    token = prepare()
    Observation.objects.all().delete()
    # Shadow work runs at the lowest CPU priority (nice 19): on shared cores the pipeline comes first.
    service = ["nice", "-n", "19", sys.executable, "manage.py", "serve_context", "formats"]
    shadow_worker = ["nice", "-n", "19", *worker_command(f"{QUEUE}-shadow", 1, name="shadow@%h")]
    processes = start_stack(2, 2, queues=QUEUE, extra=[service, shadow_worker])
    figures: dict[str, list] = {"off": [], "on": []}
    try:
        measure(token, 5, 1, "WARMUP")
        for round_number in range(args.rounds):
            for mode in ("off", "on"):
                if mode == "on":
                    contexts.set_mode("formats", "shadow", actor="bench", reason="benchmark")
                    Experiment.objects.filter(name="formats.convert").update(
                        enabled=True, noise_sample_rate=0.1, sample_rate=args.sample_rate
                    )
                else:
                    contexts.set_mode("formats", "local", actor="bench", reason="benchmark")
                    Experiment.objects.filter(name="formats.convert").update(enabled=False)
                latencies, _, elapsed = measure(token, args.documents, 4, f"SB{round_number}{mode}")
                figures[mode].append((latencies, elapsed))
        contexts.set_mode("formats", "local", actor="bench", reason="benchmark done")
        data = document("ubl")
        local, remote = [], []
        for _ in range(args.calls):
            started = time.perf_counter()
            METHODS["formats.convert"].local(data, "cii")
            local.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            call_remote("formats.convert", data, "cii", timeout=10)
            remote.append((time.perf_counter() - started) * 1000)
    finally:
        stop_stack(processes)
    rate = {m: args.documents * len(v) / sum(e for _, e in v) for m, v in figures.items()}
    p99 = {m: percentile([x * 1000 for lat, _ in v for x in lat], 99) for m, v in figures.items()}
    print(
        f"pipeline, {args.rounds} x {args.documents} documents per setting, alternating, same run (2 cores), "
        f"{args.sample_rate:.0%} of documents shadowed:"
    )
    print(f"  shadow off: {rate['off']:.1f} documents/s, submit p99 {p99['off']:.1f} ms")
    print(
        f"  shadow on:  {rate['on']:.1f} documents/s, submit p99 {p99['on']:.1f} ms "
        f"({Observation.objects.count()} comparisons recorded)"
    )
    print(f"  on/off: throughput {rate['on'] / rate['off']:.2f}x, submit p99 {p99['on'] / p99['off']:.2f}x")
    print(
        f"formats.convert (median invoice, {args.calls} calls): local p50 {statistics.median(local):.2f} ms "
        f"p99 {percentile(local, 99):.2f} ms; remote over RabbitMQ p50 {statistics.median(remote):.2f} ms "
        f"p99 {percentile(remote, 99):.2f} ms"
    )


if __name__ == "__main__":
    main()
