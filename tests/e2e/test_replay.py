"""`gmall-rt jobs submit JOB --from 'yyyy-MM-dd HH:mm'`: the job starts with fresh state at that
local time in its topics, and its outputs are the oracle's over the records from there on.

Self-contained: a run on names of its own (testkit/isolation.py), removed when it ends."""

from __future__ import annotations

import datetime
import json
import os
import random
import subprocess
import sys
from zoneinfo import ZoneInfo

from confluent_kafka import Producer

from gmall_rt import clients, flink_rest
from flink_jobs import dau
from gmall_rt import reference as oracle
from testkit import isolation
from tests.e2e.conftest import read_topic, wait_for

LOGS = 600
DEVICES = 120
MINUTE_MS = 60_000


def start_logs(first_ms: int, last_ms: int, seed: int) -> list[tuple[str, int, str]]:
    """(mid, ts, value) start logs, in ts order, of DEVICES devices between the two times."""
    rng = random.Random(seed)
    logs = []
    for ts in sorted(rng.randrange(first_ms, last_ms) for _ in range(LOGS)):
        mid = f"mid_{rng.randrange(DEVICES)}"
        log = {"type": "startup", "mid": mid, "uid": f"uid_{rng.randrange(500)}", "appid": "gmall", "area": "beijing",
               "os": "android", "ch": "huawei", "vs": "1.1.0", "ts": ts}
        logs.append((mid, ts, json.dumps(log)))
    return logs


def dau_hour(config) -> dict:
    with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT dt, hr, dau FROM dau_hour")
        return {(dt, hr): count for dt, hr, count in cursor.fetchall()}


def test_a_job_submitted_from_a_time_counts_the_records_from_there_on(config):
    run = isolation.isolated(config, isolation.new_run_id("replay"))
    isolation.prepare(run, with_source=False)
    try:
        zone = ZoneInfo(run.time.zone)
        start = (datetime.datetime.now(zone) - datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
        start_ms = int(start.timestamp() * 1000)
        logs = start_logs(start_ms - 40 * MINUTE_MS, start_ms + 40 * MINUTE_MS, seed=start_ms)
        producer = Producer({"bootstrap.servers": run.kafka.bootstrap_servers, "partitioner": "murmur2_random"})
        for mid, ts, value in logs:  # each record stamped with its log's time
            producer.produce(run.topics.start, value.encode(), mid, timestamp=ts)
        producer.flush()

        records = read_topic(run, run.topics.start)
        replayed = [record for record in records if record.timestamp_ms >= start_ms]
        lateness_ms, max_future_ms = run.time.allowed_lateness_s * 1000, run.time.max_future_s * 1000

        def dau_of(sent):
            starts, _events = oracle.accepted_records(sent, [], lateness_ms, max_future_ms)
            return oracle.dau_by_hour(starts, run.time.zone)

        want, everything = dau_of(replayed), dau_of(records)
        assert 0 < len(replayed) < len(records) and want != everything

        command = [sys.executable, "-m", "gmall_rt.cli", "jobs", "submit", "dau", "--from", start.strftime("%Y-%m-%d %H:%M")]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                                env={**os.environ, **isolation.environment(run)})
        assert result.returncode == 0, result.stderr
        assert f"reading its topics from {start:%Y-%m-%d %H:%M} {run.time.zone}" in result.stdout
        [job] = flink_rest.active_jobs(run, dau.JOB.pipeline_name(run))
        wait_for(lambda: sum(dau_hour(run).values()) >= sum(want.values()), "the replayed DAU", limit_s=240)
        done = flink_rest.completed_checkpoints(run, job.job_id)
        wait_for(lambda: flink_rest.completed_checkpoints(run, job.job_id) > done + 1, "two more checkpoints")
        assert dau_hour(run) == want
    finally:
        isolation.drop(run, with_source=False)


def test_from_refuses_a_malformed_time_and_a_restore_together(config):
    base = [sys.executable, "-m", "gmall_rt.cli", "jobs", "submit", "dau"]
    for args, message in ((["--from", "2026-12-04T08"], "is not a local time 'yyyy-MM-dd HH:mm'"),
                          (["--from", "2026-12-04 08:00", "--restore", "latest"], "give one of them")):
        result = subprocess.run(base + args, capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("gmall-rt: error: ") and message in line
