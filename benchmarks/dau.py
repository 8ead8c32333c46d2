"""Benchmark of the DAU job (not a test): sustained start logs/s from Kafka to HBase and MariaDB
with checkpoints on, and start-to-report latency p50/p99 at a fixed rate.

    .venv/bin/python -m benchmarks.dau [--backlog 1000000] [--rate 5000] [--seconds 60]

Runs on the local stack against its own topics and report database (gmall_bench)."""

import argparse
import json
import random
import time

from benchmarks import harness
from flink_jobs import config as config_module, dau


def start_logs(count: int, devices: int, first_ts: int, seed: int, unique: bool = False):
    rnd = random.Random(seed)
    for n in range(count):
        mid = f"bench_{seed}_{n}" if unique else f"mid_{rnd.randrange(devices)}"
        yield json.dumps({"type": "startup", "mid": mid, "uid": str(rnd.randrange(10_000)), "appid": "gmall2020",
                          "area": "beijing", "os": "ios", "ch": "appstore", "vs": "1.2.0",
                          "ts": first_ts + n * 10})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=1_000_000)
    parser.add_argument("--devices", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=5_000)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    base = config_module.load()

    config = harness.isolated_config(base, "start")
    now_ms = int(time.time() * 1000)
    print(f"dau: producing a backlog of {args.backlog:,} start logs")
    harness.produce(config, config.topics.start, start_logs(args.backlog, args.devices, now_ms - args.backlog * 10, 1))
    rate = harness.throughput(config, dau.JOB, config.topics.start, args.backlog)
    print(f"dau: sustained {rate:,.0f} start logs/s from Kafka to the sinks, checkpoints every "
          f"{config.flink.checkpoint_interval_ms} ms")

    config = harness.isolated_config(base, "start")
    count = int(args.rate * args.seconds)
    values = list(start_logs(count, 0, int(time.time() * 1000) + 15_000, 2, unique=True))
    # each log is a new device: the day's DAU grows by one per log that reached MariaDB
    p50, p99 = harness.latency(config, dau.JOB, config.topics.start, values, args.rate,
                               harness.report_count(config, "SELECT SUM(dau) FROM dau_hour"))
    print(f"dau: at {args.rate:,.0f} start logs/s, start-to-MariaDB latency p50 {p50:.3f} s, p99 {p99:.3f} s")


if __name__ == "__main__":
    main()
