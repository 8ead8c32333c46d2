"""Where the coupon alert job's time goes (not a test): the same backlog of event logs through ever
longer prefixes of the job's own logic, each ending in a sink that discards, so the drop from one
stage to the next is what that stage costs.

    .venv/bin/python -m benchmarks.alert_stages [--backlog 2000000] [--density 1000] [--devices 20000]
                                                [--partitions 2] [--parallelism 0]

Stages: every log read, parsed and judged late or on time (flink_jobs/sql/logs/app_logs.sql); what each
device did in each sliding 5-minute window (flink_jobs/sql/alert/device_windows.sql, keyed state in RocksDB).
The whole job, with its Elasticsearch and dead-letter sinks, is ``benchmarks.alert``; the backlog
is the same kind (the mock generator's event logs spread over event time at --density logs/s)."""

from benchmarks import harness
from benchmarks.alert import event_logs, event_time_start
from flink_jobs import alert

STAGES = {
    "parsed and judged": "SELECT reason FROM app_logs",
    "device windows": "SELECT mid FROM device_windows",
}


def main() -> None:
    parser = harness.benchmark_arguments(__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=2_000_000, help="mock logs per stage (events are ~80%%)")
    parser.add_argument("--density", type=float, default=1_000, help="backlog logs per second of event time")
    parser.add_argument("--devices", type=int, default=20_000)
    args = parser.parse_args()
    span_ms = int(args.backlog / args.density * 1000)
    first_ts = event_time_start(span_ms)

    def backlog(config, tag: str) -> int:
        records = event_logs(args.backlog, first_ts, span_ms, args.devices, 1, tag)
        harness.produce(config, config.topics.event, records)
        return len(records)

    harness.run_stages(harness.configured(args), alert.JOB, STAGES, "event logs", ("event",), backlog)


if __name__ == "__main__":
    main()
