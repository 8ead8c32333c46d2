"""Where the sale-detail job's time goes (not a test): the same backlog of order lines and their
orders through ever longer prefixes of the job's own logic, each ending in a sink that discards,
so the drop from one stage to the next is what that stage costs.

    .venv/bin/python -m benchmarks.sale_detail_stages [--backlog 400000] [--users 20000]
                                                      [--partitions 2] [--parallelism 0]

Stages: each order line joined with its order (flink_jobs/sql/sale_detail/order_lines.sql: the
newest version of each line and order, joined); then with its user, from user_info's changelog or the
look-up in Redis, as the documents' rows (flink_jobs/sql/sale_detail/sale_details.sql). The whole job, with
its Elasticsearch and dead-letter sinks, is ``benchmarks.sale_detail``, on the same kind of backlog
(users only in Redis, so every user is looked up)."""

import datetime

from benchmarks import harness
from benchmarks.sale_detail import drop_users, load_users, orders_and_lines
from flink_jobs import sale_detail

STAGES = {
    "joined with the order": "SELECT order_status FROM order_lines",
    "joined with the user": "SELECT user_gender FROM sale_details",
}


def main() -> None:
    parser = harness.benchmark_arguments(__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=400_000, help="order lines per stage")
    parser.add_argument("--users", type=int, default=20_000)
    args = parser.parse_args()
    base = harness.configured(args)
    load_users(base, args.users)

    def backlog(config, _tag: str) -> int:
        orders, details = orders_and_lines(args.backlog, 10**12, datetime.date(2032, 1, 1), args.users, 1)
        harness.produce(config, config.topics.order_info, orders)
        harness.produce(config, config.topics.order_detail, details)
        return len(details)

    try:
        harness.run_stages(base, sale_detail.JOB, STAGES, "order lines", ("order_detail", "order_info", "user_info"),
                           backlog)
    finally:
        drop_users(base, args.users)


if __name__ == "__main__":
    main()
