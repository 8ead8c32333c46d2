"""The whole pipeline on the real stack, once per test session, restored and crashed part-way.

Every job is submitted at parallelism 1 (gmv and sale-detail with RocksDB state, the others with heap
state: ROCKSDB_JOBS); `gmall-rt mock` then sends logs and changes the tables
(Canal publishes the changes) at a fixed rate, over topics of ``kafka.partitions`` (2) partitions.
While the input keeps coming:
  1. two checkpoints into it, all jobs are cancelled without a savepoint and submitted again from
     their latest checkpoint at the default parallelism (2): a restore at another parallelism;
  2. a TaskManager is killed with SIGKILL while a checkpoint is in progress, and once the jobs have
     recovered by themselves (supervisord starts the TaskManager again, Flink restarts the jobs
     from their latest checkpoint),
  3. the other TaskManager is killed with SIGKILL between two checkpoints of the first job,
  4. the services fail one after the other (SERVICE_FAULTS).
Hostile records go into each log topic among the mock's logs (testkit/hostile.py), and malformed
Canal messages into each table topic among Canal's (testkit/canal.py, many with the ids of real
rows): half at once right after the restore, which every job must take without a restart, the
rest through the kills and the faults.
When every job has committed the end of each topic it reads, the outputs are final, and the tests
compare them with the oracle, computed from everything the topics hold (each partition in its
order, with the records' timestamps) and the final state of the tables: exactly-once means they
are equal, nothing lost and nothing twice.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, KafkaError, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from flink_jobs import jobs
from gmall_rt import clients, flink_rest, reference as oracle
from testkit import canal, hostile, isolation
from gmall_rt.stack.kafka import Kafka
from gmall_rt.stack.manager import Stack
from gmall_rt.stack.supervisor import Supervisor

E2E_DIR = Path(__file__).parent
MOCK_LOGS = 720_000
# logs/s: the run takes about 720 s, so the restore, the hostile records, both TaskManager kills and the
# services' faults (SERVICE_FAULTS, over by 400 to 520 s in on a loaded machine) all land in it
MOCK_RATE = 1_000
# how long a stopped service stays down while the input flows
OUTAGE_S = 30
# each is done while the input flows, then every job must checkpoint twice more: (what happens,
# the services, SIGKILL, a stop of OUTAGE_S or a restart). A killed service is started again by
# supervisord at once; Kafka takes about 20 s to come back from its unclean stop. Elasticsearch,
# HBase and Redis go down together, so each sink's retries and the restart strategy meet a real
# outage. MariaDB's restart breaks the jobs' JDBC sinks and look-ups, Canal's binlog connection
# and the mock's writes, which retry their batch.
SERVICE_FAULTS = (
    ("Kafka broker killed", ("kafka",), "kill"),
    ("Elasticsearch, HBase and Redis stopped", ("elasticsearch", "hbase", "redis"), "stop"),
    ("MariaDB restarted", ("mariadb",), "restart"),
    ("Canal killed", ("canal",), "kill"),
)
CHECKPOINT_INTERVAL_MS = 2_000
# hostile records per log topic, malformed Canal messages per table topic, and over how long the
# second half of them goes in
HOSTILE_LOGS = 10_000
HOSTILE_CANAL_MESSAGES = 1_000
HOSTILE_TRICKLE_S = 150
# the mock's event time ends this long before it starts, so that logs sent at the end, stamped
# with the wall clock, can close every alert window (window and allowed lateness) without being
# far enough ahead of their Kafka timestamps to count as a wrong clock
MOCK_END_BEFORE_NOW_MIN = 15


# what the pipeline measured (recovery times), printed at the end of the run
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter):
    for line in SUMMARY:
        terminalreporter.write_line(line)


def report(line: str) -> None:
    print(line)
    SUMMARY.append(line)


def pytest_collection_modifyitems(items):
    for item in items:
        if E2E_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.stack)


@dataclasses.dataclass
class Pipeline:
    config: object
    job_names: list[str]
    start_logs: list[oracle.KafkaRecord]  # what the topics hold, each partition in its order
    event_logs: list[oracle.KafkaRecord]
    source: oracle.SourceState
    dead_letters: list[dict]  # what the jobs wrote to the dead-letter topic
    # gmall_dead_letters summed over the jobs' subtasks, before the cancel and after the last kill
    dead_letter_metric_before_kill: int
    dead_letter_metric_after_restore: int
    recovery_s: list[float]  # from each TaskManager kill to a checkpoint of every job after it
    # each of SERVICE_FAULTS: seconds from the fault until the service was healthy again, and
    # until every job had checkpointed twice after that
    fault_s: dict[str, tuple[float, float]]
    mock_logs: dict[str, list[str]]  # what the mock sent to each log topic, by topic
    hostile_logs: dict[str, list[str | bytes | None]]  # the hostile records sent, by topic (record_value)
    hostile_canal: dict[str, list[str | bytes | None]]  # the malformed Canal messages sent, by topic
    canal_messages: dict[str, list[oracle.KafkaRecord]]  # what each Canal topic holds, by topic
    hostile_burst_s: float  # from the first half of the hostile records to every job past them
    restarts_after_burst: dict[str, int]  # each job's restarts when it had taken that half
    # for the operations dashboard (test_operations_dashboard.py): the run's wall-clock span
    # (epoch seconds, from before the first submit to the moment the final metrics below were
    # read, a scrape interval after the jobs were idle), the topics each job reads, how long the
    # services stopped by SERVICE_FAULTS stayed down, and each job's restarts as Flink's REST API
    # said at the end
    started_at: float
    metrics_at: float
    input_topics: dict[str, list[str]]
    outage_s: float
    restarts_at_end: dict[str, int]

    @property
    def event_values(self) -> list[str]:
        return [record.value for record in self.event_logs]

    @property
    def lateness_ms(self) -> int:
        return self.config.time.allowed_lateness_s * 1000

    @property
    def max_future_ms(self) -> int:
        return self.config.time.max_future_s * 1000

    @property
    def log_topics(self) -> tuple[str, str]:
        return self.config.topics.start, self.config.topics.event

    @property
    def screened(self) -> oracle.ScreenedLogs:
        return oracle.screen_logs(self.start_logs, self.event_logs, self.lateness_ms, self.max_future_ms,
                                  self.log_topics)


def records_to_end(config, topic: str, start: dict[int, int], limit_s: float = 120) -> Iterator[Message]:
    """The committed records of ``topic`` from ``start`` (per partition) until the reader reaches the
    end of every partition, each partition's in their order. Reaching the end is the reader's own
    signal (partition EOF): transaction markers take offsets but are no records, so no end offset
    tells where a read-committed reader's last record is."""
    consumer = Consumer({"bootstrap.servers": config.kafka.bootstrap_servers, "group.id": "gmall-e2e-reader",
                         "enable.auto.commit": False, "isolation.level": "read_committed",
                         "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, p, offset) for p, offset in start.items()])
    reading, deadline = set(start), time.monotonic() + limit_s
    try:
        while reading:
            if time.monotonic() > deadline:
                raise AssertionError(f"{topic}: partitions {sorted(reading)} not read to their end in {limit_s:.0f} s")
            for message in consumer.consume(10_000, 1.0):
                if not message.error():
                    yield message
                elif message.error().code() == KafkaError._PARTITION_EOF:
                    reading.discard(message.partition())
    finally:
        consumer.close()


def read_topic(config, topic: str, start: dict[int, int] | None = None) -> list[oracle.KafkaRecord]:
    """Every committed record of ``topic`` from ``start`` (default: the beginning) to its end now:
    value, partition and timestamp, each partition's records in their order."""
    start = {p: (start or {}).get(p, 0) for p in Kafka(config).end_offsets(topic)}
    return [oracle.KafkaRecord(oracle.record_value(message.value()), message.partition(), message.timestamp()[1])
            for message in records_to_end(config, topic, start)]


def subscriptions(config, job: jobs.Job, job_id: str) -> list[tuple[str, str]]:
    """(consumer group, topic) of each Kafka source the running job reads, from its rendered DDL
    (a DDL file may declare a table the job does not read)."""
    plan = " ".join(flink_rest.vertex_names(config, job_id))
    pairs = []
    for stmt in jobs.table_ddl(job, jobs.sql_parameters(config, job)):
        table = re.search(r"CREATE TABLE (\w+)", stmt).group(1)
        options = dict(re.findall(r"'([^']+)'\s*=\s*'([^']*)'", stmt))
        if (options.get("connector") in ("kafka", "upsert-kafka") and "properties.group.id" in options
                and f"Source: {table}[" in plan):
            pairs.append((options["properties.group.id"], options["topic"]))
    return pairs


def committed_offsets(config, group: str, topic: str, partitions) -> dict[int, int]:
    """The offsets ``group`` has committed in ``partitions`` of ``topic`` (negative: none yet)."""
    admin = AdminClient({"bootstrap.servers": config.kafka.bootstrap_servers})
    request = [TopicPartition(topic, p) for p in partitions]
    future = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, request)])[group]
    return {tp.partition: tp.offset for tp in future.result().topic_partitions}


def caught_up(config, sources: list[tuple[str, str]]) -> bool:
    """Whether each (consumer group, topic) has committed offsets past the topic's last record."""
    for group, topic in sources:
        offsets = committed_offsets(config, group, topic, Kafka(config).end_offsets(topic))
        # no commit yet: read from the beginning
        committed = {partition: max(offset, 0) for partition, offset in offsets.items()}
        with closing(records_to_end(config, topic, committed)) as after_commit:
            if next(after_commit, None) is not None:
                return False
    return True


def wait_for(condition, what: str, limit_s: float = 300, poll_s: float = 1) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit_s:.0f} s waiting for {what}")
        time.sleep(poll_s)


# the jobs that keep their state in RocksDB in this run, as in the production overlay; the others
# keep the local stack's default, heap state: both state backends go through the restore at another
# parallelism and the kills
ROCKSDB_JOBS = ("gmv", "sale-detail")


def with_state_backend(config, job: jobs.Job):
    backend = "rocksdb" if job.name in ROCKSDB_JOBS else config.flink.state_backend
    return dataclasses.replace(config, flink=dataclasses.replace(config.flink, state_backend=backend))


def selected_jobs(option: str) -> list[jobs.Job]:
    """The jobs named in --e2e-jobs, or all of them."""
    return [jobs.get(name) for name in (option.split(",") if option else jobs.JOB_NAMES)]


def window_closing_log(mid: str, ts: int) -> str:
    """An event log that alerts nothing: at ``ts``, far enough after the others, it moves the
    watermark past every earlier window, which closes only then."""
    return json.dumps({"type": "event", "mid": mid, "uid": "0", "appid": "gmall2020", "area": "beijing",
                       "os": "ios", "evid": "addCart", "pgid": "1", "npgid": "2", "itemid": "1", "ts": ts})


def close_the_windows(config, topic: str, ts: int, mid_prefix: str = "mid_window_closer") -> None:
    """One window-closing log at ``ts`` in each partition of ``topic``, each of a device of its own,
    lets every window before it fire: the job's watermark is the smallest of its partitions'. The
    oracle reads them with the rest of the topic."""
    producer = Producer({"bootstrap.servers": config.kafka.bootstrap_servers})
    for partition in Kafka(config).end_offsets(topic):
        producer.produce(topic, window_closing_log(f"{mid_prefix}_{partition}", ts), partition=partition,
                         timestamp=ts)
    producer.flush()


def cancel_running(config, job_list) -> None:
    for job in job_list:
        for status in flink_rest.active_jobs(config, job.pipeline_name(config)):
            flink_rest.cancel(config, status.job_id)


def checkpoint_in_progress(config, job_ids) -> bool:
    return any(flink_rest.checkpoint_counts(config, jid)["in_progress"] > 0 for jid in job_ids)


def kill_taskmanager(config, number: int) -> float:
    """SIGKILL of TaskManager ``number``'s JVM (supervisord starts a new one); the time it died."""
    name = f"flink-taskmanager-{number}"
    pid = Supervisor(config.stack.state_path).pid(name)
    assert pid, f"{name} is not running"
    os.kill(pid, signal.SIGKILL)
    return time.monotonic()


def wait_recovered(config, job_ids, killed_at: float) -> float:
    """Seconds from a kill until every job has completed a checkpoint after it, all its tasks back."""
    counts = {jid: flink_rest.completed_checkpoints(config, jid) for jid in job_ids}
    # a checkpoint already running at the kill may still complete: wait for one started after it
    wait_for(lambda: all(flink_rest.completed_checkpoints(config, jid) >= counts[jid] + 2 for jid in job_ids),
             "every job to recover from the TaskManager's kill and checkpoint again", limit_s=300)
    return time.monotonic() - killed_at


def service_fault(config, job_ids, services, how: str) -> tuple[float, float]:
    """SIGKILL each of ``services`` ("kill"), stop them for OUTAGE_S ("stop") or stop them and
    start them again at once ("restart"), and wait until the stack is healthy and every job has
    checkpointed twice since: the seconds from the fault to each."""
    supervisor, stack = Supervisor(config.stack.state_path), Stack(config)
    pids = {name: supervisor.pid(name) for name in services}
    faulted_at = time.monotonic()
    for name in services:
        if how == "kill":
            os.kill(pids[name], signal.SIGKILL)  # supervisord starts it again
        else:
            supervisor.stop(name)
    if how in ("stop", "restart"):
        time.sleep(OUTAGE_S if how == "stop" else 0)
        for name in services:
            supervisor.start(name)
    # a new process, not the old one a health probe may still see (Canal's binlog connection)
    wait_for(lambda: all(supervisor.pid(name) not in (None, pids[name]) for name in services),
             f"{', '.join(services)} to run again", limit_s=120)
    # every service, not only these: Canal and the Phoenix Query Server depend on the others
    wait_for(lambda: all(row.health == "healthy" for row in stack.status()),
             f"{', '.join(services)} and every service to be healthy again", limit_s=300)
    back_after = time.monotonic() - faulted_at
    counts = {jid: flink_rest.completed_checkpoints(config, jid) for jid in job_ids}
    wait_for(lambda: all(flink_rest.completed_checkpoints(config, jid) >= counts[jid] + 2 for jid in job_ids),
             f"every job to checkpoint again after {', '.join(services)} came back", limit_s=300)
    return back_after, time.monotonic() - faulted_at


def send_records(config, topic: str, values: list[bytes | None], seconds: float = 0) -> None:
    """Send ``values`` to ``topic``, spread over its partitions in turn and over ``seconds``
    (0: at once), through an idempotent producer that retries through a broker outage; raises
    unless every one was written exactly once."""
    producer = Producer({"bootstrap.servers": config.kafka.bootstrap_servers, "enable.idempotence": True,
                         "message.max.bytes": 1_000_000, "linger.ms": 5})
    failed: list[object] = []
    partitions = len(Kafka(config).end_offsets(topic))
    started = time.monotonic()
    for n, value in enumerate(values):
        if seconds:
            time.sleep(max(0.0, started + n * seconds / len(values) - time.monotonic()))
        while True:
            try:
                producer.produce(topic, value, partition=n % partitions,
                                 on_delivery=lambda error, _message: error and failed.append(error))
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    assert producer.flush(300) == 0, f"{topic}: hostile records still unsent after 300 s"
    assert not failed, f"{topic}: {len(failed)} hostile records not written: {failed[:3]}"


def committed_past(config, sources: list[tuple[str, str]], offsets: dict[str, dict[int, int]]) -> bool:
    """Whether each (consumer group, topic) of ``sources`` whose topic is in ``offsets`` has
    committed, in every partition, at least the offset given there."""
    for group, topic in sources:
        if topic not in offsets:
            continue
        committed = committed_offsets(config, group, topic, offsets[topic])
        if any(offset < offsets[topic][partition] for partition, offset in committed.items()):
            return False
    return True


def mock_logs(mock_dir: Path, config) -> dict[str, list[str]]:
    """The logs the mock run sent, as it recorded them, by topic."""
    return {topic: (mock_dir / f"{topic}.jsonl").read_text(encoding="utf-8").splitlines()
            for topic in (config.topics.start, config.topics.event)}


def mock_end(config) -> str:
    """The end of the mock's event time, as `gmall-rt mock --end` takes it (the business zone)."""
    end = datetime.datetime.now(ZoneInfo(config.time.zone)) - datetime.timedelta(minutes=MOCK_END_BEFORE_NOW_MIN)
    return end.replace(tzinfo=None).isoformat(timespec="seconds")


@pytest.fixture(scope="session")
def pipeline(config, tmp_path_factory, request) -> Pipeline:
    config = isolation.isolated(config, isolation.new_run_id("e2e"))
    config = dataclasses.replace(config, flink=dataclasses.replace(
        config.flink, checkpoint_interval_ms=CHECKPOINT_INTERVAL_MS))
    assert config.parallelism == 2 and config.kafka.partitions == 2, "the pipeline runs at the default: 2 over 2"
    at_parallelism_1 = dataclasses.replace(config, flink=dataclasses.replace(config.flink, parallelism=1))
    job_list = selected_jobs(request.config.getoption("--e2e-jobs"))
    started_at = time.time()
    report(f"e2e: run {config.jobs.name_prefix}, on names of its own (testkit/isolation.py)")
    isolation.prepare(config)
    try:
        seed = int(time.time())
        report(f"e2e: mock seed {seed}")
        mock_dir = tmp_path_factory.mktemp("mock")
        log_topics = {config.topics.start: oracle.START_TYPE, config.topics.event: oracle.EVENT_TYPE}
        canal_tables = {config.topics.order_info: "order_info", config.topics.order_detail: "order_detail",
                        config.topics.user_info: "user_info"}
        # a day well before the mock's logs: a hostile record that is a valid log after all never makes
        # the mock's logs late
        hostile_day = int((datetime.datetime.now() - datetime.timedelta(days=12)).timestamp() * 1000)
        hostile_records = {topic: hostile.hostile_logs(seed + n, log_type, (hostile_day, hostile_day + 86_400_000),
                                                       HOSTILE_LOGS)
                           for n, (topic, log_type) in enumerate(log_topics.items())}
        first_run = {job.name: str(jobs.submit(with_state_backend(at_parallelism_1, job), job).get_job_client().get_job_id())
                     for job in job_list}
        wait_for(lambda: all(flink_rest.completed_checkpoints(config, jid) >= 1 for jid in first_run.values()),
                 "every job to be running and checkpointing", limit_s=300)
        before_input = {jid: flink_rest.completed_checkpoints(config, jid) for jid in first_run.values()}
        mock = subprocess.Popen(
            [sys.executable, "-m", "gmall_rt.cli", "mock", "--seed", str(seed), "--count", str(MOCK_LOGS),
             "--rate", str(MOCK_RATE), "--end", mock_end(config), "--out", str(mock_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, **isolation.environment(config)})
        mock_started = time.monotonic()
        try:
            # two checkpoints into the input, so each job's state holds part of it
            wait_for(lambda: all(flink_rest.completed_checkpoints(config, jid) >= before_input[jid] + 2
                                 for jid in first_run.values()), "two checkpoints of every job with input")
            metric_before_kill = sum(flink_rest.metric_sum(config, jid, "gmall_dead_letters")
                                     for jid in first_run.values())
            for job_id in first_run.values():  # stopped part-way: no savepoint
                flink_rest.cancel(config, job_id)
            assert mock.poll() is None, "the mock run ended before the jobs were cancelled: nothing part-way"
            # the checkpoints taken at parallelism 1, restored at 2
            restored = {job.name: str(jobs.submit(with_state_backend(config, job), job, restore="latest")
                                      .get_job_client().get_job_id())
                        for job in job_list}
            restored_ids = list(restored.values())
            wait_for(lambda: all(flink_rest.completed_checkpoints(config, jid) >= 1 for jid in restored_ids),
                     "every restored job to checkpoint", limit_s=300)

            report(f"e2e: restored at parallelism 2 and checkpointing, {time.monotonic() - mock_started:.0f} s into the input")

            with clients.mariadb_source(config) as conn, conn.cursor() as cursor:
                real_ids = {}
                for topic, table in canal_tables.items():
                    cursor.execute(f"SELECT id FROM {table} ORDER BY id LIMIT 500")
                    real_ids[topic] = [row[0] for row in cursor.fetchall()]
            hostile_records.update({topic: canal.hostile_messages(table, real_ids[topic], HOSTILE_CANAL_MESSAGES, seed + 10 + n)
                                    for n, (topic, table) in enumerate(canal_tables.items())})
            burst_at = time.monotonic()
            for topic, records in hostile_records.items():
                send_records(config, topic, records[:len(records) // 2])
            burst_end = {topic: Kafka(config).end_offsets(topic) for topic in hostile_records}
            sources = [pair for job in job_list for pair in subscriptions(config, job, restored[job.name])]
            wait_for(lambda: committed_past(config, sources, burst_end), "every job to commit past the hostile records")
            hostile_burst_s = time.monotonic() - burst_at
            restarts_after_burst = {name: flink_rest.restarts(config, jid) for name, jid in restored.items()}
            report(f"e2e: {HOSTILE_LOGS // 2:,} hostile records in each log topic and {HOSTILE_CANAL_MESSAGES // 2:,} "
                   f"malformed messages in each Canal topic at once, every job past them in {hostile_burst_s:.1f} s, "
                   f"restarts {restarts_after_burst}")
            trickle = concurrent.futures.ThreadPoolExecutor(len(hostile_records))
            trickled = [trickle.submit(send_records, config, topic, records[len(records) // 2:], HOSTILE_TRICKLE_S)
                        for topic, records in hostile_records.items()]
            trickle.shutdown(wait=False)

            recovery_s = []
            wait_for(lambda: checkpoint_in_progress(config, restored_ids), "a checkpoint in progress", limit_s=60,
                     poll_s=0.02)
            recovery_s.append(wait_recovered(config, restored_ids, kill_taskmanager(config, 1)))
            report(f"e2e: TaskManager 1 killed during a checkpoint, recovered in {recovery_s[-1]:.1f} s, "
                   f"{time.monotonic() - mock_started:.0f} s into the input")
            assert mock.poll() is None, "the mock run ended before the second kill: no input flowed through it"
            wait_for(lambda: len(flink_rest.taskmanagers(config)) == config.flink.taskmanagers,
                     "the killed TaskManager to be back", limit_s=120)
            # five jobs checkpointing every 2 s leave hardly a moment when none is: the first job's
            wait_for(lambda: not checkpoint_in_progress(config, restored_ids[:1]), "a moment between checkpoints",
                     limit_s=180, poll_s=0.02)
            recovery_s.append(wait_recovered(config, restored_ids, kill_taskmanager(config, 2)))
            report(f"e2e: TaskManager 2 killed between two checkpoints of {job_list[0].pipeline_name(config)}, "
                   f"recovered in {recovery_s[-1]:.1f} s, "
                   f"{time.monotonic() - mock_started:.0f} s into the input")

            fault_s = {}
            for what, services, how in SERVICE_FAULTS:
                assert mock.poll() is None, f"the mock run ended before: {what}; no input flowed through it"
                fault_s[what] = service_fault(config, restored_ids, services, how)
                report(f"e2e: {what}, {fault_s[what][0]:.1f} s until healthy again, every job checkpointing "
                       f"again after {fault_s[what][1]:.1f} s, {time.monotonic() - mock_started:.0f} s into the input")

            _out, errors = mock.communicate(timeout=600)
            assert mock.returncode == 0, errors
            for sent in trickled:
                sent.result(timeout=600)
            close_the_windows(config, config.topics.event, int(time.time() * 1000))
            isolation.wait_quiet(Kafka(config), [config.topics.order_info, config.topics.order_detail,
                                                 config.topics.user_info], limit_s=180)
            wait_for(lambda: caught_up(config, sources), "every job to commit the end of its topics")
            idle_since = time.monotonic()
            # the outputs of the last checkpoint are flushed when it completes; one more makes sure
            checkpoints = {name: flink_rest.completed_checkpoints(config, jid) for name, jid in restored.items()}
            wait_for(lambda: all(flink_rest.completed_checkpoints(config, jid) > checkpoints[name]
                                 for name, jid in restored.items()), "one more checkpoint")
            with clients.mariadb_source(config) as conn:
                source = oracle.load_source_state(conn)

            def metric_after_restore() -> int:
                return sum(flink_rest.metric_sum(config, jid, "gmall_dead_letters") for jid in restored_ids)

            # the JobManager fetches metrics from the TaskManagers every second
            wait_for(lambda: metric_after_restore() > 0, "the restored jobs' gmall_dead_letters metric", limit_s=60)
            # the jobs are idle: once Prometheus has scraped them since, it holds what REST says now
            time.sleep(max(0.0, idle_since + config.prometheus.scrape_interval_s + 1 - time.monotonic()))
            metrics_at = time.time()
            restarts_at_end = {name: flink_rest.restarts(config, jid) for name, jid in restored.items()}
            result = Pipeline(
                config=config,
                job_names=[job.name for job in job_list],
                start_logs=read_topic(config, config.topics.start),
                event_logs=read_topic(config, config.topics.event),
                source=source,
                dead_letters=[json.loads(record.value)
                              for record in read_topic(config, config.topics.dead_letter)],
                dead_letter_metric_before_kill=metric_before_kill,
                dead_letter_metric_after_restore=metric_after_restore(),
                recovery_s=recovery_s,
                fault_s=fault_s,
                mock_logs=mock_logs(mock_dir, config),
                hostile_logs={topic: [oracle.record_value(value) for value in hostile_records[topic]]
                              for topic in log_topics},
                hostile_canal={topic: [oracle.record_value(value) for value in hostile_records[topic]]
                               for topic in canal_tables},
                canal_messages={topic: read_topic(config, topic) for topic in canal_tables},
                hostile_burst_s=hostile_burst_s,
                restarts_after_burst=restarts_after_burst,
                started_at=started_at,
                metrics_at=metrics_at,
                input_topics={job.name: [topic for _group, topic in subscriptions(config, job, restored[job.name])]
                              for job in job_list},
                outage_s=OUTAGE_S,
                restarts_at_end=restarts_at_end,
            )
        finally:
            if mock.poll() is None:
                mock.kill()
            # the outputs are final (or the run failed): free the cluster's slots for the other tests
            cancel_running(config, job_list)
        yield result
    finally:
        isolation.drop(config)
