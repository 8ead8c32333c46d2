"""Benchmark of the GMV job (not a test): sustained order changes/s from Kafka (Canal flatMessages)
to HBase and MariaDB with checkpoints on, and change-to-report latency p50/p99 at a fixed rate.

    .venv/bin/python -m benchmarks.gmv [--backlog 300000] [--rate 5000] [--seconds 60]
                                       [--partitions 2] [--parallelism 0]

Runs on the local stack against its own topics and report database (gmall_bench). The changes are
written straight to the topic as Canal writes them, so MariaDB and Canal do not bound the rate."""

import datetime
import json
import random

from benchmarks import harness
from flink_jobs import gmv


def order_changes(count: int, first_id: int, seed: int, updates: bool = True):
    """(order id, Canal message) pairs: inserts of new orders, and (when updates) a status and amount
    change of an earlier one for every third message; keyed by the row's primary key, as Canal
    partitions a table's changes, so an order's changes stay in one partition, in order."""
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
        yield row["id"], json.dumps({"data": [row], "old": old, "database": "gmall", "table": "order_info",
                                     "type": change, "isDdl": False, "pkNames": ["id"], "es": 0, "ts": 0},
                                    ensure_ascii=False)


def main() -> None:
    args = harness.report_benchmark_arguments(__doc__.splitlines()[0], backlog=300_000).parse_args()
    # each fresh change is a new order: the order count grows by one per change that reached MariaDB
    harness.run_report_benchmark(
        args, gmv.JOB, "order_info", "order changes",
        backlog=lambda count: order_changes(count, 10**12, 1),
        fresh=lambda count: list(order_changes(count, 2 * 10**12, 2, updates=False)),
        count_query="SELECT SUM(order_count) FROM gmv_hour")


if __name__ == "__main__":
    main()
