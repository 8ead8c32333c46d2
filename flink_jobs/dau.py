"""The DAU job: daily active devices by business day and hour of their first start.

Start logs from Kafka; outputs the HBase table GMALL_DAU (read through Phoenix), MariaDB
gmall_report.dau_hour, and the dead-letter topic. Run: ``python -m flink_jobs.dau [--config FILE]``.
"""

import sys

from flink_jobs.jobs import MINI_BATCH, Job, main

JOB = Job(
    name="dau",
    description=__doc__.splitlines()[0],
    tables=("start_log_source", "gmall_dau_sink", "dau_hour_sink", "dead_letter_sink"),
    views=("dau/start_logs", "dau/daily_first_starts", "dau/dau_by_hour", "dau/start_log_dead_letters"),
    outputs="dau/insert",
    phoenix_tables=("gmall_dau",),
    report_tables=True,
    state_ttl_h=lambda config: config.jobs.dau_state_ttl_h,
    # a device's first start of a day changes in order on one path, keyed by (day, device), which
    # is what the HBase row key encodes: no extra copy of every row is needed before the sink
    table_options=(
        ("table.exec.sink.upsert-materialize", "NONE"),
        *MINI_BATCH,
    ),
)

if __name__ == "__main__":
    sys.exit(main(JOB.name))
