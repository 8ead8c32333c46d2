"""Benchmark of the GMV job (not a test): sustained order changes/s from Kafka (Canal flatMessages)
to HBase and MariaDB with checkpoints on, and change-to-report latency p50/p99 at a fixed rate.

    .venv/bin/python -m benchmarks.gmv [--backlog 300000] [--rate 5000] [--seconds 60]

Runs on the local stack against its own topics and report database (gmall_bench). The changes are
written straight to the topic as Canal writes them, so MariaDB and Canal do not bound the rate."""

import argparse
import datetime
import json
import random

from benchmarks import harness
from flink_jobs import config as config_module, gmv


def order_changes(count: int, first_id: int, seed: int, updates: bool = True):
    """Canal messages: inserts of new orders, and (when updates) a status and amount change of an
    earlier one for every third message."""
    rnd = random.Random(seed)
    now = datetime.datetime.now().replace(microsecond=0)
    for n in range(count):
        if updates and n % 3 == 2:
            order_id, change = first_id + rnd.randrange(n), "UPDATE"
        else:
            order_id, change = first_id + n, "INSERT"
        row = {"id": str(order_id), "consignee": "张三", "consignee_tel": "13812345678",
               "total_amount": f"{rnd.randrange(100, 100_000) / 100:.2f}", "order_status": "1001",
               "user_id": str(rnd.randrange(1, 1000)), "create_time": now.strftime("%Y-%m-%d %H:%M:%S"),
               "province_id": str(rnd.randrange(1, 35))}
        old = [{"order_status": "1001"}] if change == "UPDATE" else None
        yield json.dumps({"data": [row], "old": old, "database": "gmall", "table": "order_info", "type": change,
                          "isDdl": False, "pkNames": ["id"], "es": 0, "ts": 0}, ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=300_000)
    parser.add_argument("--rate", type=float, default=5_000)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    base = config_module.load()

    config = harness.isolated_config(base, "order_info")
    print(f"gmv: producing a backlog of {args.backlog:,} order changes")
    harness.produce(config, config.topics.order_info, order_changes(args.backlog, 10**12, 1))
    rate = harness.throughput(config, gmv.JOB, config.topics.order_info, args.backlog)
    print(f"gmv: sustained {rate:,.0f} order changes/s from Kafka to the sinks, checkpoints every "
          f"{config.flink.checkpoint_interval_ms} ms")

    config = harness.isolated_config(base, "order_info")
    count = int(args.rate * args.seconds)
    values = list(order_changes(count, 2 * 10**12, 2, updates=False))
    # each change is a new order: the order count grows by one per change that reached MariaDB
    p50, p99 = harness.latency(config, gmv.JOB, config.topics.order_info, values, args.rate,
                               harness.report_count(config, "SELECT SUM(order_count) FROM gmv_hour"))
    print(f"gmv: at {args.rate:,.0f} order changes/s, change-to-MariaDB latency p50 {p50:.3f} s, p99 {p99:.3f} s")


if __name__ == "__main__":
    main()
