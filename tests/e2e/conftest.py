"""The whole pipeline on the real stack, once per test session, killed and restored part-way.

Every job is submitted; `gmall-rt mock` then sends logs and changes the tables (Canal publishes the
changes) at a fixed rate. Part-way, once every job has completed a checkpoint, all jobs are
cancelled without a savepoint and submitted again from their latest checkpoint, while the input
keeps coming. When every job has committed the end of each topic it reads, the outputs are final,
and the tests compare them with the oracle, computed from everything the topics hold and the
final state of the tables: exactly-once means they are equal, nothing lost and nothing twice.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from flink_jobs import clients, flink_rest, jobs, oracle
from flink_jobs.stack.kafka import Kafka

E2E_DIR = Path(__file__).parent
MOCK_LOGS = 40_000
MOCK_RATE = 1_000  # logs/s: the run takes about 40 s, so the kill lands in the middle of it
CHECKPOINT_INTERVAL_MS = 2_000


def pytest_collection_modifyitems(items):
    for item in items:
        if E2E_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.stack)


@dataclasses.dataclass
class Pipeline:
    config: object
    job_names: list[str]
    start_values: list[str]
    event_values: list[str]
    source: oracle.SourceState
    dead_letters: list[dict]  # what the jobs wrote to the dead-letter topic, in order
    # gmall_dead_letters summed over the jobs' subtasks, before the kill and after the restore
    dead_letter_metric_before_kill: int
    dead_letter_metric_after_restore: int

    @property
    def lateness_ms(self) -> int:
        return self.config.time.allowed_lateness_s * 1000

    @property
    def screened(self) -> oracle.ScreenedLogs:
        return oracle.screen_logs(self.start_values, self.event_values, self.lateness_ms)


def read_topic(config, topic: str, start: dict[int, int] | None = None) -> list[str]:
    """Every committed value of ``topic`` from ``start`` (default: the beginning) to its end now."""
    end = Kafka(config).end_offsets(topic)
    consumer = Consumer({"bootstrap.servers": config.kafka.bootstrap_servers, "group.id": "gmall-e2e-reader",
                         "enable.auto.commit": False, "isolation.level": "read_committed"})
    consumer.assign([TopicPartition(topic, p, (start or {}).get(p, 0)) for p in end])
    values = []
    try:
        positions = {p: (start or {}).get(p, 0) for p in end}
        while any(positions[p] < end[p] for p in end):
            batch = consumer.consume(10_000, 2.0)
            if not batch:
                # transaction markers take offsets but carry no value
                positions = {tp.partition: tp.offset for tp in consumer.position(
                    [TopicPartition(topic, p) for p in end])}
                if all(positions[p] >= end[p] - 1 for p in end):
                    break
                continue
            for message in batch:
                if not message.error():
                    values.append(message.value().decode())
                    positions[message.partition()] = message.offset() + 1
    finally:
        consumer.close()
    return values


def subscriptions(config, job: jobs.Job, job_id: str) -> list[tuple[str, str]]:
    """(consumer group, topic) of each Kafka source the running job reads, from its rendered DDL
    (a DDL file may declare a table the job does not read)."""
    plan = " ".join(flink_rest.vertex_names(config, job_id))
    pairs = []
    for stmt in jobs.table_ddl(job, jobs.sql_parameters(config, job)):
        table = re.search(r"CREATE TABLE (\w+)", stmt).group(1)
        options = dict(re.findall(r"'([^']+)'\s*=\s*'([^']*)'", stmt))
        if options.get("connector") == "kafka" and "properties.group.id" in options and f"Source: {table}[" in plan:
            pairs.append((options["properties.group.id"], options["topic"]))
    return pairs


def caught_up(config, sources: list[tuple[str, str]]) -> bool:
    """Whether each (consumer group, topic) has committed the topic's end offsets."""
    admin = AdminClient({"bootstrap.servers": config.kafka.bootstrap_servers})
    for group, topic in sources:
        end = Kafka(config).end_offsets(topic)
        request = [TopicPartition(topic, p) for p in end]
        future = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, request)])[group]
        committed = {tp.partition: tp.offset for tp in future.result().topic_partitions}
        if any(committed.get(p, -1) < end[p] for p in end):
            return False
    return True


def wait_quiet(config, topics, quiet_s=6, limit_s=180) -> None:
    """Canal publishes asynchronously: wait until the topics have had nothing new for quiet_s."""
    kafka, deadline = Kafka(config), time.monotonic() + limit_s
    seen, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = [kafka.end_offsets(topic) for topic in topics]
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
        time.sleep(1)
    raise AssertionError(f"{topics} still growing after {limit_s} s")


def wait_for(condition, what: str, limit_s: float = 300) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit_s:.0f} s waiting for {what}")
        time.sleep(1)


def selected_jobs(option: str) -> list[jobs.Job]:
    """The jobs named in --e2e-jobs, or all of them."""
    return [jobs.get(name) for name in (option.split(",") if option else jobs.JOB_NAMES)]


def window_closing_log(mid: str, ts: int) -> str:
    """An event log that alerts nothing: at ``ts``, far enough after the others, it moves the
    watermark past every earlier window, which closes only then."""
    return json.dumps({"type": "event", "mid": mid, "uid": "0", "appid": "gmall2020", "area": "beijing",
                       "os": "ios", "evid": "addCart", "pgid": "1", "npgid": "2", "itemid": "1", "ts": ts})


def close_the_last_windows(config) -> None:
    """One window-closing log an hour after the mock range, of a device of its own, lets every alert
    window of the run fire (the oracle reads it with the rest of the topic)."""
    producer = Producer({"bootstrap.servers": config.kafka.bootstrap_servers})
    producer.produce(config.topics.event, window_closing_log("mid_window_closer", int(time.time() * 1000) + 3_600_000))
    producer.flush()


def fresh_inputs(config) -> None:
    """Empty tables and topics, so the jobs (reading from the earliest offset) and the oracle see
    this run only. The tables are emptied first and their deletes left in the old topics: mock
    data reuses order ids, which the jobs take to be never reused (as with AUTO_INCREMENT)."""
    with clients.mariadb(config, config.mariadb.source_database) as conn, conn.cursor() as cursor:
        for table in ("order_detail", "order_info", "user_info"):
            cursor.execute(f"DELETE FROM {table}")
    topics = config.topics
    wait_quiet(config, [topics.order_info, topics.order_detail, topics.user_info])
    names = [topics.start, topics.event, topics.order_info, topics.order_detail, topics.user_info]
    kafka = Kafka(config)
    admin = kafka.admin()
    for future in admin.delete_topics(names).values():
        future.result(timeout=60)
    wait_for(lambda: not set(names) & set(admin.list_topics(timeout=10).topics), "the topics to be deleted", 60)
    kafka.after_healthy()  # creates them again


def cancel_running(config, job_list) -> None:
    for job in job_list:
        for status in flink_rest.active_jobs(config, job.pipeline_name):
            flink_rest.cancel(config, status.job_id)


def reset_outputs(config, job_list) -> None:
    with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cur:
        for table in ("dau_hour", "gmv_hour"):
            cur.execute(f"DELETE FROM {table}")
    with clients.phoenix(config) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT DISTINCT TABLE_NAME FROM SYSTEM.CATALOG WHERE TABLE_SCHEM IS NULL")
        existing = {row[0] for row in cursor.fetchall()}
        for table in ("GMALL_DAU", "GMALL_ORDER_INFO"):
            if table in existing:
                # dropped, not emptied: Phoenix's DELETE leaves markers that would hide the rows
                # the jobs write again with their orders' own cell versions (the jobs recreate it)
                cursor.execute(f"DROP TABLE {table}")
    es = clients.elasticsearch(config)
    es.indices.delete(index="gmall_coupon_alert-*,gmall_sale_detail-*", ignore_unavailable=True)
    redis = clients.redis(config)
    for key in redis.scan_iter("user:*", count=1000):
        redis.delete(key)
    for job in job_list:
        root = jobs.checkpoint_root(config)
        shutil.rmtree(Path(root.removeprefix("file://").removeprefix("file:")) / job.name, ignore_errors=True)


@pytest.fixture(scope="session")
def pipeline(config, tmp_path_factory, request) -> Pipeline:
    config = dataclasses.replace(config, flink=dataclasses.replace(
        config.flink, checkpoint_interval_ms=CHECKPOINT_INTERVAL_MS))
    job_list = selected_jobs(request.config.getoption("--e2e-jobs"))
    cancel_running(config, job_list)
    reset_outputs(config, job_list)
    fresh_inputs(config)
    dead_letter_start = Kafka(config).end_offsets(config.topics.dead_letter)

    seed = int(time.time())
    print(f"e2e: mock seed {seed}")
    first_run = {job.name: str(jobs.submit(config, job).get_job_client().get_job_id()) for job in job_list}
    wait_for(lambda: all(flink_rest.completed_checkpoints(config, jid) >= 1 for jid in first_run.values()),
             "every job to be running and checkpointing", limit_s=300)
    before_input = {jid: flink_rest.completed_checkpoints(config, jid) for jid in first_run.values()}
    mock = subprocess.Popen(
        [sys.executable, "-m", "flink_jobs.cli", "mock", "--seed", str(seed), "--count", str(MOCK_LOGS),
         "--rate", str(MOCK_RATE), "--out", str(tmp_path_factory.mktemp("mock"))],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # two checkpoints into the input, so each job's state holds part of it
        wait_for(lambda: all(flink_rest.completed_checkpoints(config, jid) >= before_input[jid] + 2
                             for jid in first_run.values()), "two checkpoints of every job with input")
        metric_before_kill = sum(flink_rest.metric_sum(config, jid, "gmall_dead_letters")
                                 for jid in first_run.values())
        for job_id in first_run.values():  # killed part-way: no savepoint
            flink_rest.cancel(config, job_id)
        assert mock.poll() is None, "the mock run ended before the jobs were killed: nothing part-way"
        restored = {job.name: str(jobs.submit(config, job, restore="latest").get_job_client().get_job_id())
                    for job in job_list}
        _out, errors = mock.communicate(timeout=600)
        assert mock.returncode == 0, errors
        close_the_last_windows(config)
        wait_quiet(config, [config.topics.order_info, config.topics.order_detail, config.topics.user_info])
        sources = [pair for job in job_list for pair in subscriptions(config, job, restored[job.name])]
        wait_for(lambda: caught_up(config, sources), "every job to commit the end of its topics")
        # the outputs of the last checkpoint are flushed when it completes; one more makes sure
        checkpoints = {name: flink_rest.completed_checkpoints(config, jid) for name, jid in restored.items()}
        wait_for(lambda: all(flink_rest.completed_checkpoints(config, jid) > checkpoints[name]
                             for name, jid in restored.items()), "one more checkpoint")
        with clients.mariadb(config, config.mariadb.source_database) as conn:
            source = oracle.load_source_state(conn)

        def metric_after_restore() -> int:
            return sum(flink_rest.metric_sum(config, jid, "gmall_dead_letters") for jid in restored.values())

        # the JobManager fetches metrics from the TaskManager every few seconds
        wait_for(lambda: metric_after_restore() > 0, "the restored jobs' gmall_dead_letters metric", limit_s=60)
        result = Pipeline(
            config=config,
            job_names=[job.name for job in job_list],
            start_values=read_topic(config, config.topics.start),
            event_values=read_topic(config, config.topics.event),
            source=source,
            dead_letters=[json.loads(v) for v in read_topic(config, config.topics.dead_letter, dead_letter_start)],
            dead_letter_metric_before_kill=metric_before_kill,
            dead_letter_metric_after_restore=metric_after_restore(),
        )
    finally:
        if mock.poll() is None:
            mock.kill()
        # the outputs are final (or the run failed): free the cluster's slots for the other tests
        cancel_running(config, job_list)
    yield result
