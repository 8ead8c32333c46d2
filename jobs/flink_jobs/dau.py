"""The DAU job: daily active devices by business day and hour of their first start.

Start logs from Kafka; outputs the HBase table GMALL_DAU (read through Phoenix), MariaDB
gmall_report.dau_hour, and the dead-letter topic. Run: ``python -m flink_jobs.dau [--config FILE]``.
"""

import sys

from flink_jobs.jobs import MINI_BATCH, Job, main

JOB = Job(
    name="dau",
    description=__doc__.splitlines()[0],
    tables=("app_log_source", "gmall_dau_sink", "dau_hour_sink", "dead_letter_sink"),
    views=("logs/app_logs", "dau/daily_first_starts", "dau/dau_by_hour", "logs/app_log_dead_letters"),
    outputs="dau/insert",
    sql_parameters=lambda config: {
        "log_type": "startup", "log_source": "start_log_source", "log_topic": config.topics.start},
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
