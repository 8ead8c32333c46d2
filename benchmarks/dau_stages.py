"""Where the DAU job's time goes (not a test): the same backlog of start logs through ever longer
prefixes of the job's own logic, each ending in a sink that discards, so the drop from one stage
to the next is what that stage costs.

    .venv/bin/python -m benchmarks.dau_stages [--backlog 3000000]

Stages: every log read, parsed and judged late or on time (sql/dau/start_logs.sql);
each device's first start of the day (sql/dau/daily_first_starts.sql, keyed state in RocksDB).
The whole job, with its HBase, MariaDB and dead-letter sinks, is ``benchmarks.dau``."""

import argparse
import dataclasses

from benchmarks import harness
from benchmarks.dau import backlog_logs
from flink_jobs import config as config_module, dau, jobs

STAGES = {
    "parsed and judged": "SELECT reason FROM start_logs",
    "first start per device and day": "SELECT mid FROM daily_first_starts",
}


def submit_stage(config, job: jobs.Job, query: str) -> str:
    """The job's sources and views, and ``query`` into a discarding sink; returns the job id."""
    t_env, _outputs = jobs.build(config, job)
    t_env.execute_sql("CREATE TEMPORARY TABLE discarded (line STRING) WITH ('connector' = 'blackhole')")
    return str(t_env.execute_sql(f"INSERT INTO discarded {query}").get_job_client().get_job_id())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=3_000_000, help="start logs per stage")
    parser.add_argument("--devices", type=int, default=200_000, help="devices in the backlog")
    args = parser.parse_args()
    base = config_module.load()
    for stage, query in STAGES.items():
        config = harness.isolated_config(base, "start")
        job = dataclasses.replace(dau.JOB, name=f"dau-stage-{config.topics.start.rsplit('_', 1)[-1]}")
        harness.produce(config, config.topics.start, backlog_logs(args.backlog, args.devices))
        job_id = submit_stage(config, job, query)
        rate = harness.drain_rate(config, job_id, job.pipeline_name, config.topics.start, args.backlog)
        print(f"dau up to '{stage}': {rate.describe('start logs')}", flush=True)


if __name__ == "__main__":
    main()
