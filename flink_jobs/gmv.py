"""The GMV job: order amount and count by business day and hour of creation, from order_info's
changelog (Canal, canal-json).

Outputs the HBase table GMALL_ORDER_INFO (read through Phoenix, phone masked), MariaDB
gmall_report.gmv_hour, and the dead-letter topic. Run: ``python -m flink_jobs.gmv [--config FILE]``.
"""

import sys

from flink_jobs.jobs import Job, main

JOB = Job(
    name="gmv",
    description=__doc__.splitlines()[0],
    tables=("order_info_source", "gmall_order_info_sink", "gmv_hour_sink", "dead_letter_sink"),
    views=("gmv/orders", "gmv/gmv_by_hour", "gmv/order_info_dead_letters"),
    outputs="gmv/insert",
    phoenix_tables=("gmall_order_info",),
    report_tables=True,
    state_ttl_h=lambda config: config.jobs.gmv_state_ttl_h,
    table_options=(
        # Canal delivers at least once: the source's primary key lets Flink drop repeated changes
        ("table.exec.source.cdc-events-duplicate", "true"),
        # an order's changes reach the HBase sink in order on one path, keyed by the order: the
        # row key (its Phoenix bytes) is the order id, so no extra copy of every row is needed
        ("table.exec.sink.upsert-materialize", "NONE"),
    ),
)

if __name__ == "__main__":
    sys.exit(main(JOB.name))
