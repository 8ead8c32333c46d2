"""`gmall-rt backfill` refuses a day that is not over, and a day a topic no longer holds whole
(records deleted from its start, as retention does), with one line; it takes a day the topic
still reaches back before."""

from __future__ import annotations

import datetime
import subprocess
import sys
import uuid
from zoneinfo import ZoneInfo

import pytest
from confluent_kafka import Producer, TopicPartition

from gmall_rt import backfill
from gmall_rt.stack.kafka import Kafka, ensure_topics
from gmall_rt.staging import delete_topics

HOUR_MS = 3_600_000


@pytest.fixture
def topic(config):
    name = f"smoke_backfill_{uuid.uuid4().hex[:8]}"
    ensure_topics(Kafka(config).admin(), [name], 1)
    yield name
    delete_topics(Kafka(config), [name])


def day_start_ms(config, day: datetime.date) -> int:
    return int(datetime.datetime.combine(day, datetime.time(), ZoneInfo(config.time.zone)).timestamp() * 1000)


def test_a_topic_cut_into_before_the_day_is_refused_and_one_that_reaches_back_is_taken(config, topic):
    day = datetime.datetime.now(ZoneInfo(config.time.zone)).date() - datetime.timedelta(days=2)
    start = day_start_ms(config, day)
    producer = Producer({"bootstrap.servers": config.kafka.bootstrap_servers})
    stamps = [start - 2 * HOUR_MS, start - HOUR_MS, start + HOUR_MS, start + 2 * HOUR_MS]
    for offset, stamp in enumerate(stamps):
        producer.produce(topic, f"record {offset}".encode(), partition=0, timestamp=stamp)
    producer.flush()
    backfill.check_day(config, day, [topic])  # from offset 0

    admin = Kafka(config).admin()  # kept: a future of a client gone never completes

    def cut_to(offset: int) -> None:
        [future] = admin.delete_records([TopicPartition(topic, 0, offset)]).values()
        future.result(timeout=30)

    cut_to(1)  # begins an hour before the day: more than the lateness and the clock skew allowed
    backfill.check_day(config, day, [topic])
    cut_to(2)  # begins inside the day
    with pytest.raises(backfill.BackfillError, match=f"{topic} partition 0 now begins at offset 2.*no longer hold all of {day}"):
        backfill.check_day(config, day, [topic])
    cut_to(4)  # nothing left
    with pytest.raises(backfill.BackfillError, match="no record at all"):
        backfill.check_day(config, day, [topic])


def test_a_day_not_over_is_refused_with_one_line(config):
    today = datetime.datetime.now(ZoneInfo(config.time.zone)).date()
    result = subprocess.run([sys.executable, "-m", "gmall_rt.cli", "backfill", "--date", today.isoformat()],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"gmall-rt: error: backfill: {today} is not over until")
