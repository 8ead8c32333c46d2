"""Benchmark of the DAU job (not a test): sustained start logs/s from Kafka to HBase and MariaDB
with checkpoints on, and start-to-report latency p50/p99 at a fixed rate.

    .venv/bin/python -m benchmarks.dau [--backlog 1000000] [--rate 5000] [--seconds 60]
                                       [--partitions 2] [--parallelism 0]

Runs on the local stack against its own topics and report database (gmall_bench)."""

import json
import random
import time

from benchmarks import harness
from flink_jobs import dau


def start_logs(count: int, devices: int, first_ts: int, seed: int, unique: bool = False, spacing_ms: float = 10):
    """(mid, start log) pairs, ``spacing_ms`` of event time apart, keyed by mid as the producers of
    logs do."""
    rnd = random.Random(seed)
    for n in range(count):
        mid = f"bench_{seed}_{n}" if unique else f"mid_{rnd.randrange(devices)}"
        yield mid, json.dumps({"type": "startup", "mid": mid, "uid": str(rnd.randrange(10_000)),
                               "appid": "gmall2020", "area": "beijing", "os": "ios", "ch": "appstore", "vs": "1.2.0",
                               "ts": first_ts + int(n * spacing_ms)})


def backlog_logs(count: int, devices: int):
    """``count`` start logs of ``devices`` devices, 10 ms apart, the last one now."""
    return start_logs(count, devices, int(time.time() * 1000) - count * 10, 1)


def main() -> None:
    parser = harness.report_benchmark_arguments(__doc__.splitlines()[0], backlog=1_000_000)
    parser.add_argument("--devices", type=int, default=200_000, help="devices in the backlog")
    args = parser.parse_args()
    # each fresh log is a new device: the day's DAU grows by one per log that reached MariaDB; its
    # event time goes as fast as the clock from when sending starts (the job's start-up, 15 s), so
    # that no log runs ahead of its Kafka timestamp by more than time.max_future_s (clock skew)
    harness.run_report_benchmark(
        args, dau.JOB, "start", "start logs",
        backlog=lambda count: backlog_logs(count, args.devices),
        fresh=lambda count: list(start_logs(count, 0, int(time.time() * 1000) + 15_000, 2, unique=True,
                                            spacing_ms=1000 / args.rate)),
        count_query="SELECT SUM(dau) FROM dau_hour")


if __name__ == "__main__":
    main()
