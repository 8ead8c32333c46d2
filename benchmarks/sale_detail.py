"""Benchmark of the sale-detail job (not a test): sustained order lines/s from Kafka (Canal
flatMessages of order_info and order_detail) to Elasticsearch with checkpoints on, every line's
user read from Redis through the batched, cached look-up; and line-to-Elasticsearch latency p50/p99 at a
fixed rate.

    .venv/bin/python -m benchmarks.sale_detail [--backlog 200000] [--rate 5000] [--seconds 60]
        [--users 20000] [--partitions 2] [--parallelism 0]

Runs on the local stack against its own topics, under a job
name of its own, with users (ids from 10**12) only in Redis, and order dates in 2032 (indices
<elasticsearch.sale_detail_index>-2032-*, deleted after). The changes are written straight to the topics as Canal
writes them, keyed by primary key, so MariaDB and Canal do not bound the rate. Latency runs to
the document's arrival in Elasticsearch (the benchmark refreshes the index before each count), so it
includes the sink's bulk flush (every 100 ms); a search shows it after the index's next periodic
refresh (refresh_interval, 1 s), on top."""

from __future__ import annotations

import dataclasses
import datetime
import json
import random
import uuid

from benchmarks import harness
from flink_jobs import sale_detail
from gmall_rt import clients

LINES_PER_ORDER = 4
USER_BASE = 10**12
# the job's topics
TOPICS = ("order_info", "order_detail", "user_info")


def message(table: str, row: dict) -> tuple[str, str]:
    """(primary key, Canal message of the row's insert): keyed as Canal partitions a table's changes."""
    return str(row["id"]), json.dumps(
        {"data": [{k: None if v is None else str(v) for k, v in row.items()}], "old": None, "database": "gmall",
         "table": table, "type": "INSERT", "isDdl": False, "pkNames": ["id"], "es": 0, "ts": 0}, ensure_ascii=False)


def orders_and_lines(lines: int, first_id: int, day: datetime.date, users: int, seed: int):
    """(order_info messages, order_detail messages): an order per LINES_PER_ORDER lines, the order
    first for half of them and its lines first for the other half."""
    rnd = random.Random(seed)
    created = datetime.datetime.combine(day, datetime.time(12, 0))
    orders, details = [], []
    for n in range(lines // LINES_PER_ORDER):
        order_id = first_id + n
        orders.append(message("order_info", {
            "id": order_id, "total_amount": f"{rnd.randrange(100, 100_000) / 100:.2f}", "order_status": "1001",
            "user_id": USER_BASE + rnd.randrange(users), "create_time": created.strftime("%Y-%m-%d %H:%M:%S"),
            "province_id": rnd.randrange(1, 35)}))
        for k in range(LINES_PER_ORDER):
            details.append(message("order_detail", {
                "id": order_id * LINES_PER_ORDER + k, "order_id": order_id, "sku_id": k + 1,
                "sku_name": "小米手机 Redmi K30 8GB+256GB 紫玉幻境", "order_price": "2199.00", "sku_num": "1",
                "create_time": created.strftime("%Y-%m-%d %H:%M:%S")}))
    return orders, details


def load_users(config, users: int) -> None:
    redis = clients.redis(config)
    rnd = random.Random(7)
    pipeline = redis.pipeline(transaction=False)
    for n in range(users):
        pipeline.hset(f"{config.redis.user_key_prefix}{USER_BASE + n}", mapping={
            "id": str(USER_BASE + n), "gender": rnd.choice("MF"), "user_level": str(rnd.randrange(1, 6)),
            "birthday": (datetime.date(1960, 1, 1) + datetime.timedelta(days=rnd.randrange(20_000))).isoformat()})
    pipeline.execute()


def drop_users(config, users: int) -> None:
    redis = clients.redis(config)
    for start in range(0, users, 10_000):
        redis.delete(*[f"{config.redis.user_key_prefix}{USER_BASE + n}"
                       for n in range(start, min(users, start + 10_000))])


def es_count(config, day: datetime.date):
    """The documents the day's index holds, refreshed first: the time a document reached
    Elasticsearch, not when its next periodic refresh (the index's refresh_interval) shows it."""
    es = clients.elasticsearch(config)
    index = f"{config.elasticsearch.sale_detail_index}-{day.isoformat()}"

    def count() -> int:
        if not es.indices.exists(index=index):
            return 0
        es.indices.refresh(index=index)
        return es.count(index=index)["count"]

    return count


def main() -> None:
    parser = harness.benchmark_arguments(__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=200_000, help="order lines for the throughput run")
    parser.add_argument("--rate", type=float, default=5_000, help="order lines/s for the latency run")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=20_000)
    args = parser.parse_args()
    base = harness.configured(args)
    suffix = uuid.uuid4().hex[:8]
    job = dataclasses.replace(sale_detail.JOB, name=f"sale-detail-bench-{suffix}")
    days = [datetime.date(2032, 1, 1) + datetime.timedelta(days=random.randrange(300)) for _ in range(2)]
    load_users(base, args.users)
    try:
        config = harness.isolated_config(base, *TOPICS)
        orders, details = orders_and_lines(args.backlog, 10**12, days[0], args.users, 1)
        print(f"sale-detail: producing a backlog of {len(details):,} order lines ({len(orders):,} orders)")
        harness.produce(config, config.topics.order_info, orders)
        harness.produce(config, config.topics.order_detail, details)
        rate = harness.throughput(config, job, config.topics.order_detail, len(details))
        print(f"sale-detail ({harness.scale(config)}): sustained {rate.describe('order lines')} from Kafka to "
              f"Elasticsearch, every user looked up in Redis, checkpoints every "
              f"{config.flink.checkpoint_interval_ms} ms")

        config = harness.isolated_config(base, *TOPICS)
        job = dataclasses.replace(job, name=f"sale-detail-bench-{suffix}-latency")
        count = int(args.rate * args.seconds)
        orders, details = orders_and_lines(count, 2 * 10**12, days[1], args.users, 2)
        # the orders first, then the lines at the fixed rate: each line makes one document
        harness.produce(config, config.topics.order_info, orders)
        p50, p99 = harness.latency(config, job, config.topics.order_detail, details, args.rate,
                                   es_count(config, days[1]))
        print(f"sale-detail ({harness.scale(config)}): at {args.rate:,.0f} order lines/s, line-to-Elasticsearch latency "
              f"p50 {p50:.3f} s, p99 {p99:.3f} s")
    finally:
        drop_users(base, args.users)
        es, family = clients.elasticsearch(base), base.elasticsearch.sale_detail_index
        for day in days:
            es.indices.delete(index=f"{family}-{day.isoformat()}", ignore_unavailable=True)


if __name__ == "__main__":
    main()
