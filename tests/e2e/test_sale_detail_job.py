"""The user-dim and sale-detail jobs on the real stack, killed part-way and restored from their
latest checkpoints: the Redis hashes equal the final user_info rows, the sale-detail documents
equal the oracle's, and the dead-letter topic holds each bad message once with its reason.

Self-contained: a run on names of its own (testkit/isolation.py: topics, index family, Redis key
prefix, checkpoint directories, the jobs' names, consumer groups and Kafka transactional ids), all
removed when it ends. It writes its changes to its topics itself; only the users it adds to
MariaDB go to the stack's test database, with ids from 10**12 up, deleted when it ends. Users come
three ways, as in production: in user_info's changelog (with updates
during the run, and a delete), only in Redis (a dimension older than the topic), and only in
MariaDB (not yet in Redis): every order line is enriched.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import time
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from confluent_kafka import Producer
from elasticsearch import helpers

from flink_jobs import jobs, sale_detail, user_dim
from gmall_rt import clients, flink_rest, sale_detail_query, reference as oracle
from testkit import isolation
from gmall_rt.mock.generator import MockOptions, MockStream, RowChange
from tests.e2e.conftest import read_topic, wait_for
from tests.unit import flink_sql
from tests.unit.test_sale_detail_sql import Changelog

CHECKPOINT_INTERVAL_MS = 2_000
USER_COLUMNS = ("id", "login_name", "nick_name", "passwd", "name", "phone_num", "email", "head_img",
                "user_level", "birthday", "gender", "create_time", "operate_time")


def produce(config, messages):
    """Canal messages keyed by the row's primary key, as Canal partitions them (a message that does
    not parse has no key)."""
    producer = Producer({"bootstrap.servers": config.kafka.bootstrap_servers, "linger.ms": 5})
    for topic, value in messages:
        try:
            key = str(json.loads(value)["data"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            key = None
        producer.produce(topic, value.encode(), key)
        producer.poll(0)
    producer.flush()


def shifted(row: dict, base: int) -> dict:
    row = dict(row)
    for column in ("id", "order_id", "user_id"):
        if row.get(column) is not None:
            row[column] += base
    return row


class Scenario:
    """A mock run's row changes in 2031 with every id shifted by ``base``, as Canal messages in
    arrival order, and the users that reach the job another way."""

    def __init__(self, config, base: int, seed: int):
        zone = ZoneInfo(config.time.zone)
        start = int(datetime.datetime(2031, 3, 1, 22, 0, tzinfo=zone).timestamp() * 1000)
        options = MockOptions(start_ms=start, end_ms=start + 4 * 3_600_000, zone=config.time.zone,
                              count=12_000, seed=seed, users=400, devices=50, user_update_rate=0.4,
                              order_delete_rate=0.05)
        self.log = Changelog()
        self.messages: list[tuple[str, str]] = []
        topic = {"order_info": config.topics.order_info, "order_detail": config.topics.order_detail,
                 "user_info": config.topics.user_info}
        self.redis_only, self.mariadb_only = {}, {}
        for item in MockStream(options):
            if not isinstance(item, RowChange):
                continue
            row = shifted(item.row, base)
            if item.table == "user_info" and row["id"] % 10 in (1, 2):
                # users 1 and 2 (mod 10) never appear in the changelog: already in Redis, or only in MariaDB
                target = self.redis_only if row["id"] % 10 == 1 else self.mariadb_only
                target[row["id"]] = {**target.get(row["id"], {}), **row}
                continue
            message = self.log.apply(item.table, item.action, row)
            if message is not None:
                self.messages.append((topic[item.table], message))
        # a user without orders is deleted: the dimension forgets the user
        ordering = {order["user_id"] for order in self.log.state["order_info"].values()}
        idle = next(uid for uid in sorted(self.log.state["user_info"]) if uid not in ordering)
        self.deleted_user = idle
        self.messages.append((topic["user_info"], self.log.apply("user_info", "delete", {"id": idle})))
        self.bad = [
            (topic["order_detail"], '{"data": [{"id": "1"'),
            (topic["order_detail"], flink_sql.canal_message("INSERT", "order_detail", {"id": str(base + 999_999), "order_price": "12,50"})),
            (topic["user_info"], flink_sql.canal_message("INSERT", "user_info", {"id": str(base + 999_998), "birthday": "1990-13-45"})),
            (topic["user_info"], "not json"),
        ]

    def users(self) -> list[dict]:
        return [*self.log.state["user_info"].values(), *self.redis_only.values(), *self.mariadb_only.values()]

    def expected_docs(self) -> dict:
        return oracle.purchase_detail_docs(self.log.state["order_info"].values(),
                                           self.log.state["order_detail"].values(), self.users())


def redis_fields(row: dict) -> dict[str, str]:
    return {k: str(v) for k, v in row.items() if v is not None and k != "passwd"}


def documents(config, base: int) -> dict[str, dict]:
    es = clients.elasticsearch(config)
    alias = config.elasticsearch.sale_detail_index
    if not es.indices.exists_alias(name=alias):
        return {}
    es.indices.refresh(index=alias)
    query = {"query": {"range": {"order_detail_id": {"gte": base, "lt": base + 10**9}}}}
    return {hit["_id"]: hit["_source"] for hit in helpers.scan(es, index=alias, query=query)}


def as_expected(source: dict) -> dict:
    doc = dict(source)
    for field in ("sku_price", "total_amount"):
        doc[field] = None if doc[field] is None else Decimal(str(doc[field]))
    return doc


@pytest.fixture
def run(config):
    suffix = uuid.uuid4().hex[:8]
    base = 10**12 + (int(suffix, 16) % 100_000) * 10**7
    config = isolation.isolated(config, f"sd_{suffix}")
    # changes written by the test itself, to topics of the run (not Canal's of the test database)
    own = {table: f"sd_{suffix}_{table}" for table in ("order_info", "order_detail", "user_info")}
    config = dataclasses.replace(
        config, topics=dataclasses.replace(config.topics, **own),
        flink=dataclasses.replace(config.flink, checkpoint_interval_ms=CHECKPOINT_INTERVAL_MS))
    isolation.prepare(config, with_source=False)
    job_list = [user_dim.JOB, sale_detail.JOB]
    scenario = Scenario(config, base, seed=int(suffix, 16) % 1000)
    job_ids: list[str] = []
    try:
        yield config, job_list, scenario, base, job_ids
    finally:
        isolation.drop(config, with_source=False)
        if scenario.mariadb_only:
            with clients.mariadb_source(config) as conn, conn.cursor() as cur:
                cur.execute(f"DELETE FROM user_info WHERE id IN ({', '.join(['%s'] * len(scenario.mariadb_only))})",
                            list(scenario.mariadb_only))


def test_killed_and_restored_the_jobs_write_exactly_the_oracles_documents(run):
    config, (user_job, detail_job), scenario, base, job_ids = run
    redis = clients.redis(config)
    for user_id, row in scenario.redis_only.items():
        redis.hset(f"{config.redis.user_key_prefix}{user_id}", mapping=redis_fields(row))
    with clients.mariadb_source(config) as conn, conn.cursor() as cur:
        for row in scenario.mariadb_only.values():
            cur.execute(f"INSERT INTO user_info ({', '.join(USER_COLUMNS)}) VALUES ({', '.join(['%s'] * len(USER_COLUMNS))})",
                        [row.get(c) for c in USER_COLUMNS])

    messages = scenario.messages
    half = len(messages) // 2
    produce(config, messages[:half] + scenario.bad[:2])
    for job in (user_job, detail_job):
        job_ids.append(str(jobs.submit(config, job).get_job_client().get_job_id()))
    wait_for(lambda: documents(config, base), "the first documents", limit_s=240)
    done = [flink_rest.completed_checkpoints(config, job_id) for job_id in job_ids]
    wait_for(lambda: all(flink_rest.completed_checkpoints(config, j) > n for j, n in zip(job_ids, done)),
             "a checkpoint of each job after them")
    for job_id in job_ids:  # killed part-way: no savepoint
        flink_rest.cancel(config, job_id)
    before_kill = documents(config, base)

    produce(config, messages[half:] + scenario.bad[2:])
    for job in (user_job, detail_job):
        restore = jobs.latest_checkpoint(config, job)
        assert restore, f"{job.name} left no checkpoint"
        job_ids.append(str(jobs.submit(config, job, restore=restore).get_job_client().get_job_id()))

    want = scenario.expected_docs()
    assert len(want) > 300 and 0 < len(before_kill) < len(want) + 50
    assert {doc["user_id"] for doc in want.values()} & set(scenario.mariadb_only)
    assert {doc["user_id"] for doc in want.values()} & set(scenario.redis_only)

    def settled():
        docs = documents(config, base)
        return {doc_id: as_expected(doc) for doc_id, doc in docs.items()} == want

    wait_for(settled, "the oracle's documents", limit_s=300)
    checkpoints = [flink_rest.completed_checkpoints(config, j) for j in job_ids[2:]]
    wait_for(lambda: all(flink_rest.completed_checkpoints(config, j) > n + 1 for j, n in zip(job_ids[2:], checkpoints)),
             "two more checkpoints")
    time.sleep(2)
    docs = documents(config, base)
    assert {doc_id: as_expected(doc) for doc_id, doc in docs.items()} == want

    # the dimension: every changelog user's hash is its final row, the deleted user has none
    for user_id, row in scenario.log.state["user_info"].items():
        assert redis.hgetall(f"{config.redis.user_key_prefix}{user_id}") == redis_fields(row), user_id
    assert not redis.exists(f"{config.redis.user_key_prefix}{scenario.deleted_user}")

    dead = [json.loads(record.value) for record in read_topic(config, config.topics.dead_letter)]
    assert sorted((d["source_topic"], d["reason"], d["value"]) for d in dead) == sorted([
        (config.topics.order_detail, "malformed JSON", scenario.bad[0][1]),
        (config.topics.order_detail, "wrong type for order_price", scenario.bad[1][1]),
        (config.topics.user_info, "wrong type for birthday", scenario.bad[2][1]),
        (config.topics.user_info, "malformed JSON", scenario.bad[3][1]),
    ])

    es = clients.elasticsearch(config)
    alias = config.elasticsearch.sale_detail_index
    assert {f"{alias}-{doc['dt']}" for doc in want.values()} <= set(es.indices.get_alias(name=alias))

    # gmall-rt sale-detail on these documents: the oracle's analysis, for literal keywords of any kind
    for day in sorted({doc["dt"] for doc in want.values()}):
        for keyword in [None, "小米", "大米", "笔记本电脑", '"持久"', "*", "Redmi", "Red", "redmi", "O'Neill", "(M)",
                        "100%", "不存在"]:
            summary = oracle.sale_summary(want, day, keyword)
            result = sale_detail_query.query(es, config.elasticsearch.sale_detail_index, day, keyword, page=1, size=1000)
            assert (result.total, result.gender_share, result.age_band_share) == (
                summary.total, summary.gender_share, summary.age_band_share), (day, keyword)
            assert [str(row["order_detail_id"]) for row in result.rows] == summary.order_detail_ids[:1000]
