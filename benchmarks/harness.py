"""What the job benchmarks share: isolated topics and report database, a fast producer, and the
two measurements — sustained records/s from Kafka to the sinks with checkpoints on, and
record-to-sink latency at a fixed input rate.

Throughput: a backlog of records is produced first, then the job is submitted. Two rates:
- steady: the offsets the job's Kafka reader has reached, summed over the topic's partitions (its
  ``currentOffset`` metrics, polled every half second; the REST API refreshes them every second on
  the local stack), from 10% to 90% of the backlog. Once the job's buffers are full it reads only
  as fast as its slowest operator and its sinks take records, and the first and last tenth
  (start-up, the tail) are left out. This is the figure to compare.
- between commits: the job commits its Kafka offsets when a checkpoint completes, which is also
  when its sinks have flushed; the rate between the first and the last commit (offsets summed over
  the partitions). Coarse: a commit waits for a checkpoint, which under back-pressure comes late.
Latency: records are produced at a fixed rate, each one adding one to a counter the report table
shows; polling that table tells when each record had arrived in the sink.

Scale: every benchmark takes --partitions (of each of its topics; default kafka.partitions) and
--parallelism (of every operator of the job; default flink.parallelism, 0: one subtask per
partition), and says in each result at which it measured. Records are keyed as the producers of
the stack key them (app logs by mid, Canal changes by the row's primary key) and partitioned as
Kafka's Java clients do (murmur2); offsets and rates are summed over the partitions of a topic.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
import uuid
from typing import Callable, Iterable

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from benchmarks.cpu import CpuShares
from flink_jobs import jobs
from gmall_rt import clients, flink_rest, schema
from gmall_rt import config as config_module
from gmall_rt.config import Config
from gmall_rt.stack.mariadb import MariaDB
from gmall_rt.stack.service import StackError

BENCH_REPORT_DATABASE = "gmall_bench"


def benchmark_arguments(description: str) -> argparse.ArgumentParser:
    """A parser with the options every benchmark takes, --partitions and --parallelism (see
    :func:`configured`); a benchmark adds its own before parsing."""
    base = config_module.load()
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--partitions", type=int, default=base.kafka.partitions,
                        help="partitions of each of the benchmark's topics (default: kafka.partitions, %(default)s)")
    parser.add_argument("--parallelism", type=int, default=base.flink.parallelism,
                        help="subtasks of every operator of the job, sources and sinks included (default: "
                             "flink.parallelism, %(default)s; 0: one per partition)")
    return parser


def configured(args: argparse.Namespace) -> Config:
    """The configuration, at the partitions and parallelism of ``args`` (from :func:`benchmark_arguments`)."""
    base = config_module.load()
    try:
        return config_module.validate(dataclasses.replace(
            base,
            kafka=dataclasses.replace(base.kafka, partitions=args.partitions),
            flink=dataclasses.replace(base.flink, parallelism=args.parallelism),
        ))
    except config_module.ConfigError as exc:
        raise SystemExit(f"--partitions {args.partitions} --parallelism {args.parallelism}: {exc}") from None


def scale(config: Config) -> str:
    """At which scale a result was measured, for the lines that print it."""
    partitions = config.kafka.partitions
    return f"parallelism {config.parallelism}, {partitions} partition{'' if partitions == 1 else 's'}"


def isolated_config(config: Config, *topics: str) -> Config:
    """The configuration with fresh topics (the named fields of TopicsConfig, and the dead-letter
    topic), each of ``kafka.partitions`` partitions, and its own report database."""
    suffix = uuid.uuid4().hex[:8]
    names = {field: f"bench_{field}_{suffix}" for field in (*topics, "dead_letter")}
    admin = AdminClient({"bootstrap.servers": config.kafka.bootstrap_servers})
    new_topics = [NewTopic(name, config.kafka.partitions, 1) for name in names.values()]
    for future in admin.create_topics(new_topics).values():
        future.result()
    isolated = dataclasses.replace(
        config,
        topics=dataclasses.replace(config.topics, **names),
        mariadb=dataclasses.replace(config.mariadb, report_database=BENCH_REPORT_DATABASE),
    )
    mariadb = MariaDB(isolated)
    # emptied for each measurement, its report tables created again; each account gets the rights
    # it has on the report database, at its own address (the loopback one, not any host)
    mariadb.admin_sql(f"DROP DATABASE IF EXISTS {BENCH_REPORT_DATABASE}; CREATE DATABASE {BENCH_REPORT_DATABASE}; "
                      + "; ".join(mariadb.report_grants()))
    schema.apply_report_tables(isolated)
    return isolated


@dataclasses.dataclass(frozen=True)
class Sent:
    times: list[float]  # time.monotonic() when each record was handed to the producer
    partitions: list[int]  # the partition each record went to


def produce(config: Config, topic: str, records: Iterable[tuple[str, str]], rate: float = 0) -> Sent:
    """Send ``records``, (key, value) pairs (at ``rate`` per second, or as fast as possible), each
    to the partition of its key as Kafka's Java clients choose it (murmur2): the keys are the
    producer contract's, a log's mid, a Canal change's primary key."""
    producer = Producer({"bootstrap.servers": config.kafka.bootstrap_servers, "linger.ms": 5,
                         "compression.type": "none", "queue.buffering.max.messages": 1_000_000,
                         "partitioner": "murmur2_random"})
    sent: list[float] = []
    partitions: list[int] = []
    errors: list[object] = []

    def delivered(n: int):
        def report(error, message) -> None:
            if error is not None:
                errors.append(error)
            else:
                partitions[n] = message.partition()
        return report

    started = time.monotonic()
    for n, (key, value) in enumerate(records):
        if rate:
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        partitions.append(-1)
        while True:
            try:
                producer.produce(topic, value.encode(), key.encode(), on_delivery=delivered(n))
                break
            except BufferError:
                producer.poll(0.05)
        sent.append(time.monotonic())
        producer.poll(0)
    producer.flush()
    if errors:
        raise SystemExit(f"{len(errors):,} records were not delivered to {topic}, the first: {errors[0]}")
    return Sent(sent, partitions)


def topic_partitions(config: Config, topic: str) -> list[int]:
    """The partitions ``topic`` has."""
    admin = AdminClient({"bootstrap.servers": config.kafka.bootstrap_servers})
    metadata = admin.list_topics(topic, timeout=10).topics[topic]
    if metadata.error is not None:
        raise KafkaException(metadata.error)
    return sorted(metadata.partitions)


def committed(config: Config, group: str, topic: str, partitions: list[int] | None = None) -> int:
    """The offsets ``group`` has committed on ``topic``, summed over its partitions (the records
    it has taken, of all partitions)."""
    partitions = topic_partitions(config, topic) if partitions is None else partitions
    consumer = Consumer({"bootstrap.servers": config.kafka.bootstrap_servers, "group.id": group})
    try:
        offsets = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        return sum(max(partition.offset, 0) for partition in offsets)  # no commit yet: a negative offset
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
    """How far the job's slowest reader of ``topic`` has read, its offsets summed over the topic's
    partitions, or None before its source reads them all. Each partition's ``currentOffset`` metric
    is on whichever source subtask reads it (summed over the subtasks, the others have none); the
    metrics are looked up until every reader of the topic has one for each partition, and only read
    after that."""

    def __init__(self, config: Config, job_id: str, topic: str, partitions: list[int]):
        self.config, self.job_id = config, job_id
        self.suffixes = [f"KafkaSourceReader.topic.{topic}.partition.{p}.currentOffset" for p in partitions]
        self.readers: list[list[str]] = []  # for each vertex reading the topic, a path per partition

    def _find(self) -> list[list[str]]:
        by_vertex: dict[str, list[str]] = {}
        for suffix in self.suffixes:
            for path in flink_rest.find_metrics(self.config, self.job_id, suffix):
                by_vertex.setdefault(path.split("?", 1)[0], []).append(path)
        readers = list(by_vertex.values())
        return readers if readers and all(len(paths) == len(self.suffixes) for paths in readers) else []

    def __call__(self) -> int | None:
        try:
            self.readers = self.readers or self._find()
            # a partition not read yet reports a negative offset
            offsets = [sum(max(offset, 0) for offset in flink_rest.read_metrics(self.config, paths))
                       for paths in self.readers]
        except StackError:
            return None
        return min(offsets) if offsets else None


def _rate(samples: list[tuple[float, int]]) -> float:
    return (samples[-1][1] - samples[0][1]) / (samples[-1][0] - samples[0][0])


def throughput(config: Config, job: jobs.Job, topic: str, total: int, limit_s: float = 900) -> Throughput:
    """How fast the job takes a backlog of ``total`` records of ``topic``, both ways (see above)."""
    job_id = str(jobs.submit(config, job).get_job_client().get_job_id())
    return drain_rate(config, job_id, job.pipeline_name(config), topic, total, limit_s)


def stage_rate(config: Config, job: jobs.Job, topic: str, total: int, query: str) -> Throughput:
    """How fast a backlog of ``total`` records of ``topic`` goes through the job's sources and views
    up to ``query``, its rows sent to a sink that discards them (where a job's time goes)."""
    t_env, _outputs = jobs.build(config, job)
    t_env.execute_sql("CREATE TEMPORARY TABLE discarded (line STRING) WITH ('connector' = 'blackhole')")
    job_id = str(t_env.execute_sql(f"INSERT INTO discarded {query}").get_job_client().get_job_id())
    return drain_rate(config, job_id, job.pipeline_name(config), topic, total)


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
        print(f"{job.name} up to '{stage}' ({scale(config)}): {rate.describe(unit)}", flush=True)


def drain_rate(config: Config, job_id: str, group: str, topic: str, total: int, limit_s: float = 900) -> Throughput:
    """How fast the running job ``job_id`` (Kafka group ``group``) takes a backlog of ``total``
    records of ``topic`` (of all its partitions); cancels the job when it has read them all."""
    commits: list[tuple[float, int]] = []
    reads: list[tuple[float, int]] = []
    partitions = topic_partitions(config, topic)
    read_offset = _ReadOffset(config, job_id, topic, partitions)
    cpu = CpuShares(config)  # over the same stretch as the steady rate
    deadline = time.monotonic() + limit_s
    try:
        while time.monotonic() < deadline:
            offset, read = committed(config, group, topic, partitions), read_offset()
            now = time.monotonic()
            # the REST API refreshes metrics now and then: only a new value is a new sample
            if read is not None and 0.1 * total <= read <= 0.9 * total and (not reads or read != reads[-1][1]):
                reads.append((now, read))
                if len(reads) == 1:
                    cpu.start()
                else:
                    cpu.stop()
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
    print(f"  while 10% to 90% drained, {cpu.describe()}", flush=True)
    # one checkpoint may commit the whole backlog, which leaves no rate between commits
    return Throughput(steady=_rate(reads), committed=_rate([first, commits[-1]]) if commits[-1] is not first else None)


def latency(config: Config, job: jobs.Job, topic: str, records: list[tuple[str, str]], rate: float,
            counted: Callable[[], int]) -> tuple[float, float]:
    """p50 and p99 seconds from sending each record to the sink showing it (``counted()`` is the
    number of records the sink shows so far)."""
    job_id = str(jobs.submit(config, job).get_job_client().get_job_id())
    try:
        time.sleep(15)  # let the job start before the clock runs
        import threading

        sent: list[float] = []
        producer = threading.Thread(target=lambda: sent.extend(produce(config, topic, records, rate).times))
        producer.start()
        arrivals: list[float] = []
        deadline = time.monotonic() + len(records) / rate + 120
        while len(arrivals) < len(records) and time.monotonic() < deadline:
            shown = counted()
            now = time.monotonic()
            arrivals.extend([now] * (shown - len(arrivals)))
            time.sleep(0.05)
        producer.join()
    finally:
        flink_rest.cancel(config, job_id)
    if len(arrivals) < len(records):
        raise SystemExit(f"only {len(arrivals):,} of {len(records):,} records reached the sink")
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
    """The options every report benchmark takes (those of every benchmark too); a benchmark may
    add its own before parsing."""
    parser = benchmark_arguments(description)
    parser.add_argument("--backlog", type=int, default=backlog, help="records for the throughput run")
    parser.add_argument("--rate", type=float, default=rate, help="records/s for the latency run")
    parser.add_argument("--seconds", type=float, default=seconds, help="length of the latency run")
    return parser


def run_report_benchmark(args, job: jobs.Job, topic: str, unit: str,
                         backlog: Callable[[int], Iterable[tuple[str, str]]],
                         fresh: Callable[[int], list[tuple[str, str]]], count_query: str) -> None:
    """A sustained rate over ``backlog(n)`` records, then the latency of ``fresh(n)`` records sent at
    ``args.rate``, each adding one to what ``count_query`` counts in the report database (records
    as :func:`produce` takes them, (key, value) pairs)."""
    base = configured(args)

    config = isolated_config(base, topic)
    topic_name = getattr(config.topics, topic)
    print(f"{job.name}: producing a backlog of {args.backlog:,} {unit}")
    produce(config, topic_name, backlog(args.backlog))
    rate = throughput(config, job, topic_name, args.backlog)
    print(f"{job.name} ({scale(config)}): sustained {rate.describe(unit)} from Kafka to the sinks, "
          f"checkpoints every {config.flink.checkpoint_interval_ms} ms")

    config = isolated_config(base, topic)
    topic_name = getattr(config.topics, topic)
    p50, p99 = latency(config, job, topic_name, fresh(int(args.rate * args.seconds)), args.rate,
                       report_count(config, count_query))
    print(f"{job.name} ({scale(config)}): at {args.rate:,.0f} {unit}/s, record-to-MariaDB latency "
          f"p50 {p50:.3f} s, p99 {p99:.3f} s")
