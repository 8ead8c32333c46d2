"""What the job benchmarks share: isolated topics and report database, a fast producer, and the
two measurements — sustained records/s from Kafka to the sinks with checkpoints on, and
record-to-sink latency at a fixed input rate.

Throughput: a backlog of records is produced first, then the job is submitted. Two rates:
- steady: the offset the job's Kafka reader has reached (its ``currentOffset`` metric, polled every
  half second; the REST API refreshes it every second on the local stack), from 10% to 90% of the
  backlog. Once the job's buffers are full it reads only as fast as its slowest operator and its
  sinks take records, and the first and last tenth (start-up, the tail) are left out. This is the
  figure to compare.
- between commits: the job commits its Kafka offsets when a checkpoint completes, which is also
  when its sinks have flushed; the rate between the first and the last commit. Coarse: a commit
  waits for a checkpoint, which under back-pressure comes late.
Latency: records are produced at a fixed rate, each one adding one to a counter the report table
shows; polling that table tells when each record had arrived in the sink.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
import uuid
from typing import Callable, Iterable

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from flink_jobs import clients, flink_rest, jobs
from flink_jobs import config as config_module
from flink_jobs.config import Config
from flink_jobs.stack.manager import Stack
from flink_jobs.stack.service import StackError

BENCH_REPORT_DATABASE = "gmall_bench"


def isolated_config(config: Config, *topics: str) -> Config:
    """The configuration with fresh topics (the named fields of TopicsConfig, and the dead-letter
    topic) and its own report database."""
    suffix = uuid.uuid4().hex[:8]
    names = {field: f"bench_{field}_{suffix}" for field in (*topics, "dead_letter")}
    admin = AdminClient({"bootstrap.servers": config.kafka.bootstrap_servers})
    for future in admin.create_topics([NewTopic(name, 1, 1) for name in names.values()]).values():
        future.result()
    mariadb = Stack(config).service("mariadb")
    # emptied for each measurement (the job creates its report tables again)
    mariadb.admin_sql(f"DROP DATABASE IF EXISTS {BENCH_REPORT_DATABASE}; CREATE DATABASE {BENCH_REPORT_DATABASE}; "
                      f"GRANT ALL PRIVILEGES ON {BENCH_REPORT_DATABASE}.* TO '{config.mariadb.user}'@'%'")
    return dataclasses.replace(
        config,
        topics=dataclasses.replace(config.topics, **names),
        mariadb=dataclasses.replace(config.mariadb, report_database=BENCH_REPORT_DATABASE),
    )


def produce(config: Config, topic: str, values: Iterable[str], rate: float = 0) -> list[float]:
    """Send ``values`` (at ``rate`` per second, or as fast as possible); returns each send time."""
    producer = Producer({"bootstrap.servers": config.kafka.bootstrap_servers, "linger.ms": 5,
                         "compression.type": "none", "queue.buffering.max.messages": 1_000_000})
    sent, started = [], time.monotonic()
    for n, value in enumerate(values):
        if rate:
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        while True:
            try:
                producer.produce(topic, value.encode())
                break
            except BufferError:
                producer.poll(0.05)
        sent.append(time.monotonic())
        producer.poll(0)
    producer.flush()
    return sent


def committed(config: Config, group: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": config.kafka.bootstrap_servers, "group.id": group})
    try:
        [partition] = consumer.committed([TopicPartition(topic, 0)], timeout=10)
        return max(partition.offset, 0)
    finally:
        consumer.close()


@dataclasses.dataclass(frozen=True)
class Throughput:
    steady: float  # records/s read while the backlog drained from 10% to 90%
    committed: float | None  # records/s between the first and the last offset commit, if two

    def describe(self, unit: str) -> str:
        between = f"{self.committed:,.0f}/s" if self.committed else "one commit, no rate"
        return f"{self.steady:,.0f} {unit}/s while 10% to 90% of the backlog drained ({between} between offset commits)"


class _ReadOffset:
    """How far the job's slowest reader of ``topic`` has read, or None before its source runs; the
    metric is looked up once it exists, and only read after that."""

    def __init__(self, config: Config, job_id: str, topic: str):
        self.config, self.job_id = config, job_id
        self.suffix = f"KafkaSourceReader.topic.{topic}.partition.0.currentOffset"
        self.paths: list[str] = []

    def __call__(self) -> int | None:
        try:
            self.paths = self.paths or flink_rest.find_metrics(self.config, self.job_id, self.suffix)
            offsets = flink_rest.read_metrics(self.config, self.paths)
        except StackError:
            return None
        return min(offsets) if offsets else None


def _rate(samples: list[tuple[float, int]]) -> float:
    return (samples[-1][1] - samples[0][1]) / (samples[-1][0] - samples[0][0])


def throughput(config: Config, job: jobs.Job, topic: str, total: int, limit_s: float = 900) -> Throughput:
    """How fast the job takes a backlog of ``total`` records of ``topic``, both ways (see above)."""
    job_id = str(jobs.submit(config, job).get_job_client().get_job_id())
    return drain_rate(config, job_id, job.pipeline_name, topic, total, limit_s)


def stage_rate(config: Config, job: jobs.Job, topic: str, total: int, query: str) -> Throughput:
    """How fast a backlog of ``total`` records of ``topic`` goes through the job's sources and views
    up to ``query``, its rows sent to a sink that discards them (where a job's time goes)."""
    t_env, _outputs = jobs.build(config, job)
    t_env.execute_sql("CREATE TEMPORARY TABLE discarded (line STRING) WITH ('connector' = 'blackhole')")
    job_id = str(t_env.execute_sql(f"INSERT INTO discarded {query}").get_job_client().get_job_id())
    return drain_rate(config, job_id, job.pipeline_name, topic, total)


def run_stages(base: Config, job: jobs.Job, stages: dict[str, str], unit: str, topics: tuple[str, ...],
               backlog: Callable[[Config, str], int]) -> None:
    """Prints :func:`stage_rate` for each of ``stages`` (name: query over the job's views), each on
    topics of its own: ``backlog(config, tag)`` produces the records and returns how many the first
    of ``topics`` holds, the one timed (``tag`` is the topics' suffix, for unique record ids)."""
    for stage, query in stages.items():
        config = isolated_config(base, *topics)
        timed = getattr(config.topics, topics[0])
        tag = timed.rsplit("_", 1)[-1]
        total = backlog(config, tag)
        rate = stage_rate(config, dataclasses.replace(job, name=f"{job.name}-stage-{tag}"), timed, total, query)
        print(f"{job.name} up to '{stage}': {rate.describe(unit)}", flush=True)


def drain_rate(config: Config, job_id: str, group: str, topic: str, total: int, limit_s: float = 900) -> Throughput:
    """How fast the running job ``job_id`` (Kafka group ``group``) takes a backlog of ``total``
    records of ``topic``; cancels the job when it has read them all."""
    commits: list[tuple[float, int]] = []
    reads: list[tuple[float, int]] = []
    read_offset = _ReadOffset(config, job_id, topic)
    deadline = time.monotonic() + limit_s
    try:
        while time.monotonic() < deadline:
            offset, read = committed(config, group, topic), read_offset()
            now = time.monotonic()
            # the REST API refreshes metrics now and then: only a new value is a new sample
            if read is not None and 0.1 * total <= read <= 0.9 * total and (not reads or read != reads[-1][1]):
                reads.append((now, read))
            if not commits or offset != commits[-1][1]:
                commits.append((now, offset))
                print(f"  committed {offset:,}/{total:,}", flush=True)
            if offset >= total:
                break
            time.sleep(0.5)
    finally:
        flink_rest.cancel(config, job_id)
    first = next(sample for sample in commits if sample[1] > 0)
    if commits[-1][1] < total:
        raise SystemExit(f"the job did not finish the backlog within {limit_s:.0f} s")
    if len(reads) < 2:
        raise SystemExit(f"the job took the backlog of {total:,} too fast to time: run with a larger --backlog")
    # one checkpoint may commit the whole backlog, which leaves no rate between commits
    return Throughput(steady=_rate(reads), committed=_rate([first, commits[-1]]) if commits[-1] is not first else None)


def latency(config: Config, job: jobs.Job, topic: str, values: list[str], rate: float,
            counted: Callable[[], int]) -> tuple[float, float]:
    """p50 and p99 seconds from sending each record to the sink showing it (``counted()`` is the
    number of records the sink shows so far)."""
    job_id = str(jobs.submit(config, job).get_job_client().get_job_id())
    try:
        time.sleep(15)  # let the job start before the clock runs
        import threading

        sent: list[float] = []
        producer = threading.Thread(target=lambda: sent.extend(produce(config, topic, values, rate)))
        producer.start()
        arrivals: list[float] = []
        deadline = time.monotonic() + len(values) / rate + 120
        while len(arrivals) < len(values) and time.monotonic() < deadline:
            shown = counted()
            now = time.monotonic()
            arrivals.extend([now] * (shown - len(arrivals)))
            time.sleep(0.05)
        producer.join()
    finally:
        flink_rest.cancel(config, job_id)
    if len(arrivals) < len(values):
        raise SystemExit(f"only {len(arrivals):,} of {len(values):,} records reached the sink")
    delays = sorted(arrival - send for arrival, send in zip(arrivals, sent))
    return statistics.median(delays), delays[int(len(delays) * 0.99) - 1]


def report_count(config: Config, query: str) -> Callable[[], int]:
    connection = clients.mariadb(config, config.mariadb.report_database)

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(query)
            return int(cursor.fetchone()[0] or 0)

    return count


def report_benchmark_arguments(description: str, backlog: int, rate: float = 5_000, seconds: float = 60):
    """The options every report benchmark takes; a benchmark may add its own before parsing."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backlog", type=int, default=backlog, help="records for the throughput run")
    parser.add_argument("--rate", type=float, default=rate, help="records/s for the latency run")
    parser.add_argument("--seconds", type=float, default=seconds, help="length of the latency run")
    return parser


def run_report_benchmark(args, job: jobs.Job, topic: str, unit: str, backlog: Callable[[int], Iterable[str]],
                         fresh: Callable[[int], list[str]], count_query: str) -> None:
    """A sustained rate over ``backlog(n)`` records, then the latency of ``fresh(n)`` records sent at
    ``args.rate``, each adding one to what ``count_query`` counts in the report database."""
    base = config_module.load()

    config = isolated_config(base, topic)
    topic_name = getattr(config.topics, topic)
    print(f"{job.name}: producing a backlog of {args.backlog:,} {unit}")
    produce(config, topic_name, backlog(args.backlog))
    rate = throughput(config, job, topic_name, args.backlog)
    print(f"{job.name}: sustained {rate.describe(unit)} from Kafka to the sinks, checkpoints every "
          f"{config.flink.checkpoint_interval_ms} ms")

    config = isolated_config(base, topic)
    topic_name = getattr(config.topics, topic)
    p50, p99 = latency(config, job, topic_name, fresh(int(args.rate * args.seconds)), args.rate,
                       report_count(config, count_query))
    print(f"{job.name}: at {args.rate:,.0f} {unit}/s, record-to-MariaDB latency p50 {p50:.3f} s, p99 {p99:.3f} s")
