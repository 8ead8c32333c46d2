"""The coupon alert job on the real stack, killed part-way and restored from its latest checkpoint:
the Elasticsearch documents and the dead-letter topic equal the oracle's, nothing lost, nothing twice.

Self-contained: a run on names of its own (testkit/isolation.py: topics, index family, checkpoint
directory, the job's name, consumer group and Kafka transactional ids), all removed when it ends.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import time
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from confluent_kafka import Producer
from elasticsearch import helpers

from flink_jobs import alert, jobs
from gmall_rt import clients, flink_rest, reference as oracle
from testkit import isolation
from gmall_rt.mock.generator import LogRecord, MockOptions, MockStream
from tests.e2e.conftest import close_the_windows, read_topic, wait_for

CHECKPOINT_INTERVAL_MS = 2_000
ALERT_DAY = datetime.date(2031, 2, 27)  # the logs run from 23:00 on this day into the next


def produce(config, topic, logs: list[tuple[str, str]], clock: int = 0) -> int:
    """``(mid, value)`` logs keyed by mid, each stamped with the time it was sent: the newest ts so
    far (``clock`` before the first), as if the devices' clocks and the sender's agreed (a late log
    is sent after newer ones). Returns the clock after the last."""
    producer = Producer({"bootstrap.servers": config.kafka.bootstrap_servers, "linger.ms": 5,
                         "partitioner": "murmur2_random"})
    for mid, value in logs:
        record = oracle.parse_log_record(value, "event", oracle.EVENT_FIELDS)
        if isinstance(record, dict):
            clock = max(clock, record["ts"])
        producer.produce(topic, value.encode(), mid, timestamp=clock)
        producer.poll(0)
    producer.flush()
    return clock


def event_logs(config, suffix: str, seed: int) -> list[tuple[str, str]]:
    """Mock event logs, with their devices, with fraud bursts, near misses, out-of-order, late,
    duplicate and malformed logs; every device id made unique to this run."""
    zone = ZoneInfo(config.time.zone)
    start = int(datetime.datetime.combine(ALERT_DAY, datetime.time(23), tzinfo=zone).timestamp() * 1000)
    options = MockOptions(start_ms=start, end_ms=start + 2 * 3_600_000, zone=config.time.zone, count=6_000,
                          seed=seed, devices=200, orders=0, allowed_lateness_ms=config.time.allowed_lateness_s * 1000,
                          fraud_rate=0.02, near_miss_rate=0.03, late_rate=0.005, out_of_order_rate=0.05,
                          duplicate_rate=0.01, malformed_rate=0.005)
    return [(item.mid.replace("mid_", f"mid_{suffix}_"), item.value.replace('"mid":"mid_', f'"mid":"mid_{suffix}_'))
            for item in MockStream(options) if isinstance(item, LogRecord) and item.topic == "event"]


def alert_documents(config, suffix: str) -> dict[str, dict]:
    es = clients.elasticsearch(config)
    alias = config.elasticsearch.coupon_alert_index
    if not es.indices.exists_alias(name=alias):
        return {}
    es.indices.refresh(index=alias)
    hits = helpers.scan(es, index=alias, query={"query": {"prefix": {"mid": f"mid_{suffix}_"}}})
    return {hit["_id"]: hit["_source"] for hit in hits}


@pytest.fixture
def run(config):
    suffix = uuid.uuid4().hex[:8]
    config = isolation.isolated(config, f"alert_{suffix}")
    config = dataclasses.replace(config, flink=dataclasses.replace(config.flink, checkpoint_interval_ms=CHECKPOINT_INTERVAL_MS))
    isolation.prepare(config, with_source=False)
    job_ids: list[str] = []
    try:
        yield config, alert.JOB, suffix, job_ids
    finally:
        isolation.drop(config, with_source=False)


def test_killed_and_restored_the_job_writes_exactly_the_oracles_alerts_and_dead_letters(run):
    config, job, suffix, job_ids = run
    logs = event_logs(config, suffix, seed=int(suffix, 16) % 100_000)
    half = len(logs) // 2
    clock = produce(config, config.topics.event, logs[:half])

    job_ids.append(str(jobs.submit(config, job).get_job_client().get_job_id()))
    wait_for(lambda: alert_documents(config, suffix), "the first alerts", limit_s=240)
    done = flink_rest.completed_checkpoints(config, job_ids[0])
    wait_for(lambda: flink_rest.completed_checkpoints(config, job_ids[0]) > done, "a checkpoint after them")
    flink_rest.cancel(config, job_ids[0])  # killed part-way: no savepoint
    before_kill = alert_documents(config, suffix)

    clock = produce(config, config.topics.event, logs[half:], clock)
    # a log an hour after the others in each partition: the watermark passes the end of every window
    close_the_windows(config, config.topics.event, clock + 3_600_000, f"mid_{suffix}_end")
    restore = jobs.latest_checkpoint(config, job)
    assert restore, "the cancelled job left no checkpoint"
    job_ids.append(str(jobs.submit(config, job, restore=restore).get_job_client().get_job_id()))

    lateness_ms, max_future_ms = config.time.allowed_lateness_s * 1000, config.time.max_future_s * 1000
    sent = read_topic(config, config.topics.event)  # each log with its partition and timestamp
    _starts, accepted = oracle.accepted_records([], sent, lateness_ms, max_future_ms)
    want = oracle.coupon_alerts(accepted, config.time.zone)
    want_dead = Counter(oracle.dead_letters([], sent, lateness_ms, max_future_ms, (config.topics.start, config.topics.event)))
    assert len(want) > 20 and 0 < len(before_kill) < len(want)
    assert {reason for *_rest, reason in want_dead} >= {"late", "malformed JSON", "unknown evid"}

    wait_for(lambda: len(alert_documents(config, suffix)) >= len(want), "every alert", limit_s=300)
    checkpoints = flink_rest.completed_checkpoints(config, job_ids[1])
    wait_for(lambda: flink_rest.completed_checkpoints(config, job_ids[1]) > checkpoints + 1, "two more checkpoints")
    time.sleep(2)
    assert alert_documents(config, suffix) == want
    dead = [json.loads(record.value) for record in read_topic(config, config.topics.dead_letter)]
    assert Counter((d["source_topic"], oracle.dead_letter_value(d), d["reason"]) for d in dead) == want_dead

    es = clients.elasticsearch(config)
    alias = config.elasticsearch.coupon_alert_index
    days = {doc["window_end"][:10] for doc in want.values()}
    assert {f"{alias}-{day}" for day in days} <= set(es.indices.get_alias(name=alias))
