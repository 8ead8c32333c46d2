"""Canal captures gmall.order_info changes into Kafka as flatMessage JSON, and the jobs' format,
gmall-canal-json, reads them back as a changelog: +I, then -U/+U, then -D. It fails on a message it
would not apply, so every message Canal wrote meanwhile passes its rules. The test database's
changes go to topics of their own."""

import dataclasses
import json
import random
import time

import pytest
from confluent_kafka import Consumer, TopicPartition
from pyflink.common import RowKind

from gmall_rt import clients
from gmall_rt.stack.kafka import Kafka
from flink_jobs.table_env import create_table_env


def _messages_about(config, topic, start_offsets, order_id, wanted, timeout_s=60):
    consumer = Consumer({"bootstrap.servers": config.kafka.bootstrap_servers,
                         "group.id": f"smoke-canal-{order_id}", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, o) for p, o in start_offsets.items()])
    found = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(found) < wanted and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error():
                continue
            body = json.loads(message.value())
            if any(str(row.get("id")) == str(order_id) for row in body.get("data") or []):
                found.append(body)
    finally:
        consumer.close()
    return found


def test_insert_update_delete_arrive_as_flat_messages_and_read_back_as_changelog(config, stack):
    topic = config.topics.order_info
    start = Kafka(config).end_offsets(topic)
    order_id = random.randint(10**15, 10**16)
    with clients.mariadb_source(config) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO order_info (id, consignee, consignee_tel, total_amount, order_status, user_id, create_time)"
            " VALUES (%s, '张三', '13812345678', 100.50, '1001', 7, '2026-11-20 23:59:58')", (order_id,))
        cur.execute("UPDATE order_info SET total_amount = 88.80, order_status = '1002' WHERE id = %s", (order_id,))
        cur.execute("DELETE FROM order_info WHERE id = %s", (order_id,))

    messages = _messages_about(config, topic, start, order_id, wanted=3)
    assert [m["type"] for m in messages] == ["INSERT", "UPDATE", "DELETE"]
    for message in messages:
        assert message["database"] == config.mariadb.source_database
        assert message["table"] == "order_info"
        assert message["pkNames"] == ["id"]
        assert message["isDdl"] is False
    inserted, updated, deleted = (m["data"][0] for m in messages)
    assert inserted["total_amount"] == "100.50" and inserted["consignee"] == "张三"
    assert inserted["create_time"] == "2026-11-20 23:59:58"
    assert updated["total_amount"] == "88.80" and updated["order_status"] == "1002"
    assert messages[1]["old"][0] == {"total_amount": "100.50", "order_status": "1001"}
    assert deleted["total_amount"] == "88.80"

    t_env = create_table_env(config, streaming=True, target="remote")
    start_offsets = ";".join(f"partition:{p},offset:{o}" for p, o in start.items())
    t_env.execute_sql(f"""
        CREATE TABLE order_info (
          id BIGINT, consignee STRING, total_amount DECIMAL(10,2), order_status STRING,
          create_time TIMESTAMP(0), PRIMARY KEY (id) NOT ENFORCED
        ) WITH (
          'connector' = 'kafka', 'topic' = '{topic}',
          'properties.bootstrap.servers' = '{config.kafka.bootstrap_servers}',
          'scan.startup.mode' = 'specific-offsets', 'scan.startup.specific-offsets' = '{start_offsets}',
          'scan.bounded.mode' = 'latest-offset',
          'format' = 'gmall-canal-json'
        )""")
    with t_env.execute_sql(
        f"SELECT id, total_amount, order_status, create_time FROM order_info WHERE id = {order_id}"
    ).collect() as results:
        changelog = [(row.get_row_kind(), str(row[1]), row[2]) for row in results]
    assert changelog == [
        (RowKind.INSERT, "100.50", "1001"),
        (RowKind.UPDATE_BEFORE, "100.50", "1001"),
        (RowKind.UPDATE_AFTER, "88.80", "1002"),
        (RowKind.DELETE, "88.80", "1002"),
    ]


def test_the_test_databases_changes_go_to_its_own_topics_only(config, stack):
    """canal.test_database is captured beside the source database, each table to a topic of its
    own (testkit.isolation runs the e2e on it): none of its changes reaches the app's topics."""
    canal = config.canal
    if not canal.test_database:
        pytest.skip("no test database (canal.test_database) configured")
    test_topic, app_topic = canal.test_order_info_topic, config.topics.order_info
    start = {topic: Kafka(config).end_offsets(topic) for topic in (test_topic, app_topic)}
    order_id = random.randint(10**15, 10**16)
    in_test_database = dataclasses.replace(
        config, mariadb=dataclasses.replace(config.mariadb, source_database=canal.test_database))
    with clients.mariadb_source(in_test_database) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO order_info (id, total_amount, order_status, create_time)"
                    " VALUES (%s, 1.00, '1001', '2026-11-20 00:00:00')", (order_id,))
        cur.execute("DELETE FROM order_info WHERE id = %s", (order_id,))

    messages = _messages_about(config, test_topic, start[test_topic], order_id, wanted=2)
    assert [(m["database"], m["table"], m["type"]) for m in messages] == [
        (canal.test_database, "order_info", "INSERT"), (canal.test_database, "order_info", "DELETE")]
    # the app's topic, read after the test topic had both: Canal had sent them by then
    assert _messages_about(config, app_topic, start[app_topic], order_id, wanted=1, timeout_s=5) == []
