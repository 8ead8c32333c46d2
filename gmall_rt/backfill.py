"""`gmall-rt backfill --date D [JOB...]`: one business day's outputs recomputed and put in place.

How. Each job runs again, its own SQL unchanged, as a bounded job with fresh state: it reads its
topics from their first retained record to where they end when it starts (``kafka.bounded_mode``)
and writes to outputs of its own (:mod:`gmall_rt.staging`: a report database, Phoenix tables,
index families, a dead-letter topic, named ``<name>_<backfill id>``). Reading every partition from
its start, it judges each log late or on time as the running job did. The recomputed day then
replaces the live one, store by store, so that a reader never sees half a day:

- MariaDB (``dau_hour``, ``gmv_hour``): one transaction deletes the day's rows and inserts the
  recomputed ones; a reader sees the old day or the new one.
- Elasticsearch (the day's alert and sale-detail indices): the family's alias is moved from the
  day's index to the recomputed one in one alias change; the day's index is rebuilt while no alias
  shows it, then the alias is moved back in one change. A reader sees the old day, then the new.
- Phoenix ``GMALL_DAU``: HBase has no transaction over rows. The recomputed rows are upserted
  over the old ones first, then the rows the day no longer has are deleted: meanwhile a reader sees
  every row of the new day, each old or new, plus for a moment the rows about to be deleted; never
  a day with rows missing.
- Phoenix ``GMALL_ORDER_INFO``: the bounded GMV job writes it itself, the live table, not a staged
  one. Each order's cells carry its create_time as their version (the GMV job's sink): a row
  written through Phoenix would carry the time of writing and hide every later update the running
  job makes to that order. So the bounded job writes every order's row again, each with its
  current values and its own version (a row already right is written as it is), and deletes the
  orders the source deleted; a reader sees each row old or new. A row no change ever wrote
  (written by hand) is left: delete it through Phoenix.

The staging outputs are dropped at the end, also after a failure. A day is refused when it is not
over yet (plus the allowed lateness), or when a topic no longer holds it all (retention deleted
records that the day's outputs depend on).
"""

from __future__ import annotations

import datetime
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable
from zoneinfo import ZoneInfo

from confluent_kafka import Consumer, TopicPartition
from elasticsearch import helpers

from flink_jobs import jobs
from flink_jobs.config import apply_layer
from gmall_rt import clients, flink_rest, staging
from gmall_rt.config import Config, ConfigError, validate
from gmall_rt.stack.kafka import Kafka
from gmall_rt.stack.service import StackError

# the jobs with daily outputs, and the topics (fields of [topics]) each one reads
INPUTS = {
    "dau": ("start",),
    "gmv": ("order_info",),
    "alert": ("event",),
    "sale-detail": ("order_info", "order_detail", "user_info"),
}
POLL_S = 2
PHOENIX_BATCH = 1_000
PROGRESS_S = 15
# restarts after which a bounded job is taken to fail for good
MAX_RESTARTS = 3


class BackfillError(Exception):
    """The day cannot be backfilled, or a step failed; the message says which and what to do."""


@dataclass
class Summary:
    """What replaced what, per output: (rows or documents before, after)."""
    day: datetime.date
    outputs: dict[str, tuple[int, int]] = field(default_factory=dict)
    seconds: float = 0.0


def parse_day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--date {text!r} is not a day; give it as yyyy-MM-dd, e.g. 2026-12-04") from None


def selected_jobs(names: list[str]) -> list[str]:
    for name in names:
        if name not in INPUTS:
            jobs.get(name)  # an unknown name: its own error
            raise ConfigError(f"{name} has no daily outputs to backfill; the jobs that have are {', '.join(INPUTS)}")
    return [name for name in INPUTS if name in names] if names else list(INPUTS)


def _day_bounds_ms(config: Config, day: datetime.date) -> tuple[int, int]:
    zone = ZoneInfo(config.time.zone)
    start = datetime.datetime.combine(day, datetime.time(), zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def _local(config: Config, ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000, ZoneInfo(config.time.zone)).strftime("%Y-%m-%d %H:%M:%S")


def check_day(config: Config, day: datetime.date, topics: list[str], now_ms: int | None = None) -> None:
    """Refuse a day that is not over, or that ``topics`` no longer hold whole: each partition must
    still begin at offset 0, or at a record older than the day's start by the allowed lateness
    and the largest clock skew, the records that can decide what of the day is late."""
    start_ms, end_ms = _day_bounds_ms(config, day)
    lateness_ms = config.time.allowed_lateness_s * 1000
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if now_ms < end_ms + lateness_ms:
        raise BackfillError(f"backfill: {day} is not over until {_local(config, end_ms + lateness_ms)} "
                            f"({config.time.zone}, with the allowed lateness); to recompute today, replay the jobs "
                            "with `gmall-rt jobs submit JOB --from 'yyyy-MM-dd HH:mm'`")
    reach_back_ms = start_ms - lateness_ms - config.time.max_future_s * 1000
    consumer = Consumer({"bootstrap.servers": config.kafka.bootstrap_servers, "group.id": "gmall-rt-backfill-check",
                         "enable.auto.commit": False})
    try:
        for topic in topics:
            metadata = consumer.list_topics(topic, timeout=10).topics[topic]
            if metadata.error is not None:
                raise BackfillError(f"backfill: topic {topic} cannot be read ({metadata.error.str()})")
            for partition in sorted(metadata.partitions):
                first, end = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
                if first == 0:
                    continue
                first_ms = _record_time(consumer, topic, partition, first) if first < end else None
                if first_ms is None or first_ms > reach_back_ms:
                    since = f"a record of {_local(config, first_ms)}" if first_ms else "no record at all"
                    raise BackfillError(
                        f"backfill: {topic} partition {partition} now begins at offset {first:,}, with {since}: "
                        f"the topics no longer hold all of {day} (they must reach back to "
                        f"{_local(config, reach_back_ms)}); backfill a later day")
    finally:
        consumer.close()


def _record_time(consumer: Consumer, topic: str, partition: int, offset: int) -> int | None:
    consumer.assign([TopicPartition(topic, partition, offset)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is not None and not message.error():
            return message.timestamp()[1]
    return None


def staging_config(config: Config, backfill_id: str) -> Config:
    """``config`` with outputs of the backfill's own and bounded sources from the topics' start.

    It reads the app's topics and the app's user dimension; it writes its own report database,
    GMALL_DAU table, index families, dead-letter topic and sale-detail changes, under job names
    (so consumer groups and transactional ids) and checkpoints of its own, and the app's
    GMALL_ORDER_INFO."""
    def own(name: str) -> str:
        return f"{name}_{backfill_id}"

    root = config.flink.checkpoint_dir.rstrip("/")
    layer = {
        "kafka": {"startup_mode": "earliest-offset", "bounded_mode": "latest-offset"},
        "topics": {"dead_letter": own(config.topics.dead_letter)},
        "mariadb": {"report_database": own(config.mariadb.report_database)},
        # GMALL_ORDER_INFO is the live one (the module's description says why)
        "hbase": {"dau_table": own(config.hbase.dau_table).upper()},
        "elasticsearch": {"coupon_alert_index": own(config.elasticsearch.coupon_alert_index),
                          "sale_detail_index": own(config.elasticsearch.sale_detail_index)},
        "jobs": {"name_prefix": f"{config.jobs.name_prefix}-{backfill_id}"},
        "flink": {"checkpoint_dir": f"{root}/{backfill_id}" if root else ""},
    }
    return validate(apply_layer(config, layer, f"backfill {backfill_id}"))


def _records_read(detail: dict) -> int:
    return sum(vertex["metrics"].get("write-records", 0) for vertex in detail["vertices"]
               if vertex["name"].startswith("Source:"))


def run_bounded(config: Config, job: jobs.Job, progress: Callable[[str], None]) -> None:
    """Run ``job`` (a staging configuration's) until it has read its topics to their end and its
    sinks hold all of it."""
    job_id = str(jobs.submit(config, job).get_job_client().get_job_id())
    name, started, last_report = job.pipeline_name(config), time.monotonic(), 0.0
    progress(f"backfill: {name} submitted as {job_id}")
    while True:
        detail = flink_rest.job_detail(config, job_id)
        if detail["state"] == "FINISHED":
            break
        if detail["state"] in ("FAILED", "CANCELED"):
            raise BackfillError(f"backfill: {name} ({job_id}) ended {detail['state']}; see `gmall-rt stack logs "
                                "flink-jobmanager` and the job in the web UI")
        # the cluster restarts a failing job for ever: a backfill that keeps failing stops
        if flink_rest.restarts(config, job_id) > MAX_RESTARTS:
            flink_rest.cancel(config, job_id)
            raise BackfillError(f"backfill: {name} ({job_id}) restarted more than {MAX_RESTARTS} times; see its "
                                "exceptions in the web UI; the live outputs are unchanged")
        if time.monotonic() - last_report >= PROGRESS_S:
            last_report = time.monotonic()
            finished = sum(vertex["status"] == "FINISHED" for vertex in detail["vertices"])
            progress(f"backfill: {name} {time.monotonic() - started:.0f} s, {_records_read(detail):,} records read, "
                     f"{finished} of {len(detail['vertices'])} tasks done")
        time.sleep(POLL_S)
    progress(f"backfill: {name} done in {time.monotonic() - started:.0f} s, "
             f"{_records_read(flink_rest.job_detail(config, job_id)):,} records read")


# ---------------------------------------------------------------------------------------------
# Putting the recomputed day in place


def replace_report_rows(config: Config, stage: Config, day: datetime.date, tables: list[str],
                        summary: Summary) -> None:
    """The day's rows of ``tables`` replaced by the staged ones, in one transaction."""
    live, staged = config.mariadb.report_database, stage.mariadb.report_database
    with clients.mariadb(config, live, autocommit=False) as conn, conn.cursor() as cursor:
        for table in tables:
            removed = cursor.execute(f"DELETE FROM `{table}` WHERE dt = %s", (day,))
            added = cursor.execute(f"INSERT INTO `{table}` SELECT * FROM `{staged}`.`{table}` WHERE dt = %s", (day,))
            summary.outputs[f"{live}.{table}"] = (removed, added)
        conn.commit()


def replace_phoenix_rows(config: Config, stage: Config, table_key: str, day_column: str, key_column: str,
                         day: datetime.date, summary: Summary) -> None:
    """The day's rows of a Phoenix table replaced by the staged ones: upserted, then the rows the
    day no longer has deleted, in batches of PHOENIX_BATCH."""
    live, staged = getattr(config.hbase, table_key), getattr(stage.hbase, table_key)
    text = day.isoformat()
    with clients.phoenix(config) as conn:
        cursor = conn.cursor()
        cursor.execute(f"SELECT {key_column} FROM {live} WHERE {day_column} = ?", (text,))
        before = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"SELECT {key_column} FROM {staged} WHERE {day_column} = ?", (text,))
        after = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"UPSERT INTO {live} SELECT * FROM {staged} WHERE {day_column} = ?", (text,))
        cursor.close()
    gone = sorted(before - after)
    with clients.phoenix(config, autocommit=False) as conn:
        cursor = conn.cursor()
        for first in range(0, len(gone), PHOENIX_BATCH):
            cursor.executemany(f"DELETE FROM {live} WHERE {key_column} = ?",
                               [(key,) for key in gone[first:first + PHOENIX_BATCH]])
            conn.commit()
        cursor.close()
    summary.outputs[live] = (len(before), len(after))


def _day_rows(config: Config, day: datetime.date) -> int:
    """The live GMALL_ORDER_INFO's rows of orders created on ``day``."""
    with clients.phoenix(config) as conn:
        cursor = conn.cursor()
        cursor.execute(f"SELECT COUNT(*) FROM {config.hbase.order_info_table} WHERE CREATE_DATE = ?",
                       (day.isoformat(),))
        [[count]] = cursor.fetchall()
        cursor.close()
    return count


def replace_day_index(config: Config, stage: Config, family_key: str, day: datetime.date, summary: Summary) -> None:
    """The day's index of a family replaced by the staged one, the alias moving in single changes.

    The documents are copied by this command (scroll and bulk): the stack's Elasticsearch has no
    reindex module."""
    es = clients.elasticsearch(config)
    alias = getattr(config.elasticsearch, family_key)
    live, staged = f"{alias}-{day.isoformat()}", f"{getattr(stage.elasticsearch, family_key)}-{day.isoformat()}"
    if not es.indices.exists(index=staged):  # a day without documents
        es.indices.create(index=staged)
    es.indices.refresh(index=staged)
    before = es.count(index=live)["count"] if es.indices.exists(index=live) else 0
    hide_live = [{"remove": {"index": live, "alias": alias}}] if es.indices.exists(index=live) else []
    es.indices.update_aliases(body={"actions": [{"add": {"index": staged, "alias": alias}}, *hide_live]})
    try:
        es.indices.delete(index=live, ignore_unavailable=True)
        # made again by the template, behind the alias: empty, it adds nothing to the day until hidden
        es.indices.create(index=live)
        es.indices.update_aliases(body={"actions": [{"remove": {"index": live, "alias": alias}}]})
        copies = ({"_index": live, "_id": hit["_id"], "_source": hit["_source"]}
                  for hit in helpers.scan(es, index=staged, query={"query": {"match_all": {}}}))
        helpers.bulk(es, copies, chunk_size=2_000, request_timeout=120)
        es.indices.refresh(index=live)
    except Exception:
        # the staged index goes with the staging outputs: the alias must not go with it. The day's
        # index is then whatever of the copy it holds; the error says to run the backfill again
        if es.indices.exists(index=live):
            es.indices.update_aliases(body={"actions": [{"add": {"index": live, "alias": alias}}]})
        raise
    es.indices.update_aliases(body={"actions": [{"add": {"index": live, "alias": alias}},
                                                {"remove": {"index": staged, "alias": alias}}]})
    summary.outputs[live] = (before, es.count(index=live)["count"])


def replace_day(config: Config, stage: Config, day: datetime.date, names: list[str], summary: Summary) -> None:
    tables = [table for job, table in (("dau", "dau_hour"), ("gmv", "gmv_hour")) if job in names]
    if tables:
        replace_report_rows(config, stage, day, tables, summary)
    if "dau" in names:
        replace_phoenix_rows(config, stage, "dau_table", "LOGDATE", "MID", day, summary)
    for job, family in (("alert", "coupon_alert_index"), ("sale-detail", "sale_detail_index")):
        if job in names:
            replace_day_index(config, stage, family, day, summary)


def drop_staging(stage: Config) -> None:
    """Remove every staging output; each step tried whatever an earlier one did."""
    failed = []
    steps = (staging.cancel_jobs, lambda config: staging.delete_topics(
        Kafka(config), [config.topics.dead_letter]),
        staging.drop_consumer_groups, staging.drop_report_database,
        # its own GMALL_DAU only: its GMALL_ORDER_INFO is the app's
        lambda config: staging.drop_phoenix_tables(config, [config.hbase.dau_table]),
        staging.drop_indices, staging.drop_checkpoints)
    for step in steps:
        try:
            step(stage)
        except Exception as exc:  # any service's error: the other steps still run
            failed.append(str(exc))
    if failed:
        raise StackError("backfill: could not drop every staging output: " + "; ".join(failed))


def backfill(config: Config, day: datetime.date, names: list[str],
             progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)) -> Summary:
    started = time.monotonic()
    names = selected_jobs(names)
    topics = sorted({getattr(config.topics, field) for name in names for field in INPUTS[name]})
    check_day(config, day, topics)
    backfill_id = f"backfill_{day:%Y%m%d}_{uuid.uuid4().hex[:6]}"
    stage = staging_config(config, backfill_id)
    summary = Summary(day)
    progress(f"backfill: {day} of {', '.join(names)}, staged as {backfill_id}, from {', '.join(topics)}")
    try:
        staging.make_outputs(stage, [stage.topics.dead_letter])
        orders_before = _day_rows(config, day) if "gmv" in names else 0
        for name in names:
            run_bounded(stage, jobs.get(name), progress)
        if "gmv" in names:
            summary.outputs[config.hbase.order_info_table] = (orders_before, _day_rows(config, day))
        progress(f"backfill: replacing {day} in the live outputs")
        replace_day(config, stage, day, names, summary)
    finally:
        drop_staging(stage)
    summary.seconds = time.monotonic() - started
    return summary


def cmd_backfill(args) -> int:
    from gmall_rt import config as config_module

    config = config_module.load(args.config)
    summary = backfill(config, parse_day(args.date), args.jobs)
    print(f"backfill: {summary.day} replaced in {summary.seconds:.0f} s")
    print(f"  {'OUTPUT':<44} {'BEFORE':>10} {'AFTER':>10}")
    for output, (before, after) in summary.outputs.items():
        print(f"  {output:<44} {before:>10,} {after:>10,}")
    return 0


def add_parser(commands) -> None:
    parser = commands.add_parser("backfill", help="recompute one business day's outputs and put them in place")
    parser.add_argument("--date", required=True, help="the business day, yyyy-MM-dd (time.zone)")
    parser.add_argument("jobs", nargs="*", metavar="JOB", help=f"default: all of {', '.join(INPUTS)}")
    parser.set_defaults(func=cmd_backfill)
