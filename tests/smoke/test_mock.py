"""`gmall-rt mock` against the real stack: the topics receive exactly what the run recorded, the
tables hold the generated rows, and Canal publishes their changes to the three table topics."""

import json
import subprocess
import sys
import time
from collections import Counter

import pytest
from confluent_kafka import Consumer, TopicPartition

from gmall_rt import clients, reference as oracle
from gmall_rt.stack.kafka import Kafka

LATENESS_MS = 300_000


def _read(config, topic, start, until_count=None, timeout_s=30, keyed=False):
    """Values of a topic from the given offsets up to its current end (or until_count of them);
    keyed: as (partition, key, value)."""
    end = Kafka(config).end_offsets(topic)
    wanted = sum(end[p] - start.get(p, 0) for p in end) if until_count is None else until_count
    consumer = Consumer({"bootstrap.servers": config.kafka.bootstrap_servers, "group.id": f"smoke-read-{topic}",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, start.get(p, 0)) for p in end])
    values, deadline = [], time.monotonic() + timeout_s
    try:
        while len(values) < wanted and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None and not message.error():
                value = message.value().decode()
                key = message.key().decode() if message.key() is not None else None
                values.append((message.partition(), key, value) if keyed else value)
    finally:
        consumer.close()
    return values


def _read_until_quiet(config, topic, start, quiet_s=5, limit_s=90, keyed=False):
    """Canal publishes asynchronously: read until the topic has had nothing new for quiet_s."""
    deadline = time.monotonic() + limit_s
    seen, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        total = sum(Kafka(config).end_offsets(topic).values())
        if total != seen:
            seen, last_change = total, time.monotonic()
        elif time.monotonic() - last_change >= quiet_s:
            break
        time.sleep(0.5)
    return _read(config, topic, start, keyed=keyed)


@pytest.fixture(scope="module")
def mock_run(config, stack, tmp_path_factory):
    topics = [config.topics.start, config.topics.event, config.topics.order_info, config.topics.order_detail,
              config.topics.user_info]
    before = {topic: Kafka(config).end_offsets(topic) for topic in topics}
    out = tmp_path_factory.mktemp("mock")
    result = subprocess.run(
        [sys.executable, "-m", "gmall_rt.cli", "mock", "--reset", "--count", "3000", "--seed", "11",
         "--users", "150", "--orders", "60", "--start", "2026-11-20T22:00", "--end", "2026-11-21T02:00",
         "--fraud-rate", "0.03", "--near-miss-rate", "0.03", "--late-rate", "0.01", "--malformed-rate", "0.01",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return before, out, json.loads((out / "manifest.json").read_text())


def test_log_topics_receive_exactly_the_recorded_records(config, mock_run):
    before, out, manifest = mock_run
    for topic in (config.topics.start, config.topics.event):
        recorded = (out / f"{topic}.jsonl").read_text().splitlines()
        received = _read(config, topic, before[topic], keyed=True)
        assert Counter(value for _partition, _key, value in received) == Counter(recorded)
        # keyed by mid (a malformed log by the mid of the log it was made from): each device's logs
        # in one partition, so they keep their order
        partitions_of = {}
        for partition, key, value in received:
            partitions_of.setdefault(key, set()).add(partition)
            record = oracle.parse_log_record(value, "startup" if topic == config.topics.start else "event",
                                             oracle.START_FIELDS if topic == config.topics.start else oracle.EVENT_FIELDS)
            assert not isinstance(record, dict) or record["mid"] == key
        assert all(len(partitions) == 1 for partitions in partitions_of.values())
        assert len({p for partitions in partitions_of.values() for p in partitions}) == config.kafka.partitions
    assert manifest["logs_sent"] == 3000


def test_dead_letters_are_the_malformed_and_late_logs(config, mock_run):
    _, out, manifest = mock_run
    start = (out / f"{config.topics.start}.jsonl").read_text().splitlines()
    event = (out / f"{config.topics.event}.jsonl").read_text().splitlines()
    reasons = Counter(reason for _, _, reason in oracle.dead_letters(start, event, LATENESS_MS))
    injected = sum(n for key, n in manifest["counts"].items() if key.endswith((":malformed", ":late")))
    assert sum(reasons.values()) == injected
    assert reasons[oracle.LATE] == sum(n for key, n in manifest["counts"].items() if key.endswith(":late"))


def test_tables_hold_the_generated_rows_and_canal_publishes_every_change(config, mock_run):
    before, _, manifest = mock_run
    counts = manifest["counts"]
    cfg = config.mariadb
    connection = clients.mariadb_source(config)
    with connection, connection.cursor() as cursor:
        for table in ("user_info", "order_info", "order_detail"):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            assert cursor.fetchone()[0] == counts.get(f"{table}:insert", 0) - counts.get(f"{table}:delete", 0)
    topics = {"user_info": config.topics.user_info, "order_info": config.topics.order_info,
              "order_detail": config.topics.order_detail}
    for table, topic in topics.items():
        inserts, deletes = counts.get(f"{table}:insert", 0), counts.get(f"{table}:delete", 0)
        rows = Counter()
        for value in _read_until_quiet(config, topic, before[topic]):
            message = json.loads(value)
            if message["database"] == cfg.source_database and message["table"] == table:
                rows[message["type"]] += len(message["data"] or [])
        # the run's --reset deleted what earlier runs left, so count at least this run's rows
        assert rows["INSERT"] == inserts, table
        assert rows["DELETE"] >= deletes, table
        # an update of an order deleted just before it changes no row, so Canal has nothing to publish
        updates = counts.get(f"{table}:update", 0)
        assert (0 < rows["UPDATE"] <= updates) if updates else rows["UPDATE"] == 0, table


def test_canal_partitions_each_tables_changes_by_primary_key(config, mock_run):
    before, _, _manifest = mock_run
    for topic in (config.topics.user_info, config.topics.order_info, config.topics.order_detail):
        partitions_of: dict[str, set[int]] = {}
        for partition, _key, value in _read_until_quiet(config, topic, before[topic], keyed=True):
            for row in json.loads(value)["data"] or []:
                partitions_of.setdefault(row["id"], set()).add(partition)
        assert partitions_of, topic
        assert all(len(partitions) == 1 for partitions in partitions_of.values()), topic
        assert len(set().union(*partitions_of.values())) == config.kafka.partitions, topic
