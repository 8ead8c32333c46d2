"""Where the DAU job's time goes (not a test): the same backlog of start logs through ever longer
prefixes of the job's own logic, each ending in a sink that discards, so the drop from one stage
to the next is what that stage costs.

    .venv/bin/python -m benchmarks.dau_stages [--backlog 3000000] [--devices 200000]
                                              [--partitions 2] [--parallelism 0]

Stages: every log read, parsed and judged late or on time (flink_jobs/sql/logs/app_logs.sql);
each device's first start of the day (flink_jobs/sql/dau/daily_first_starts.sql, keyed state in RocksDB).
The whole job, with its HBase, MariaDB and dead-letter sinks, is ``benchmarks.dau``."""

from benchmarks import harness
from benchmarks.dau import backlog_logs
from flink_jobs import dau

STAGES = {
    "parsed and judged": "SELECT reason FROM app_logs",
    "first start per device and day": "SELECT mid FROM daily_first_starts",
}


def main() -> None:
    parser = harness.benchmark_arguments(__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=3_000_000, help="start logs per stage")
    parser.add_argument("--devices", type=int, default=200_000, help="devices in the backlog")
    args = parser.parse_args()

    def backlog(config, _tag: str) -> int:
        harness.produce(config, config.topics.start, backlog_logs(args.backlog, args.devices))
        return args.backlog

    harness.run_stages(harness.configured(args), dau.JOB, STAGES, "start logs", ("start",), backlog)


if __name__ == "__main__":
    main()
