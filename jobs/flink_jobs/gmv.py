"""The GMV job: order amount and count by business day and hour of creation, from order_info's
changelog (Canal, gmall-canal-json).

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
    state_ttl_h=lambda config: config.jobs.gmv_state_ttl_h,
    table_options=(
        # Canal delivers at least once: the source's primary key lets Flink drop repeated changes
        ("table.exec.source.cdc-events-duplicate", "true"),
        # each output optimised on its own: the HBase sink then reads a changelog of puts and
        # deletes only, while gmv_by_hour's sums, which retract an order's old amount, get the
        # updates' old rows (sql/connectors/gmall_order_info_sink.sql says why they must not mix)
        ("table.optimizer.reuse-optimize-block-with-digest-enabled", "false"),
    ),
)

if __name__ == "__main__":
    sys.exit(main(JOB.name))
