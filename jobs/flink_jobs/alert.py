"""The coupon alert job: devices where 3 or more accounts claim coupons in 5 minutes without browsing.

Event logs from Kafka; outputs the Elasticsearch alias gmall_coupon_alert (daily indices
gmall_coupon_alert-<yyyy-MM-dd>) and the dead-letter topic.
Run: ``python -m flink_jobs.alert [--config FILE]``.
"""

import sys

from flink_jobs.jobs import Job, main

JOB = Job(
    name="alert",
    description=__doc__.splitlines()[0],
    tables=("app_log_source", "coupon_alert_sink", "dead_letter_sink"),
    views=("logs/app_logs", "alert/accepted_events", "alert/device_windows", "alert/coupon_alerts",
           "logs/app_log_dead_letters"),
    outputs="alert/insert",
    sql_parameters=lambda config: {
        "log_type": "event", "log_source": "event_log_source", "log_topic": config.topics.event},
)

if __name__ == "__main__":
    sys.exit(main(JOB.name))
