"""``gmall-rt reconcile``: a business day's real-time outputs checked against their source of truth.

The outputs the day should hold are recomputed in batch with the definitions of
:mod:`gmall_rt.reference`, from the log topics read whole (every partition in its order, up to the
end each had when the check began) and the source tables as they are now. What the jobs wrote for
the day is read back:

- ``dau_hour``, ``gmv_hour``: the report tables' rows of the day (MariaDB);
- ``dau_table``, ``order_info_table``: the day's rows of GMALL_DAU and GMALL_ORDER_INFO (Phoenix);
- ``coupon_alert``, ``sale_detail``: the documents of the day's indices (Elasticsearch).

Each output is compared key by key (an hour, a device, an order, a document id), and what differs is
counted per hour of the day: keys the output misses, extra keys it holds, and keys whose value (or
hour) is not the expected one. A key counts in its expected hour, an extra one in its own hour.
Every check is kept in the report table ``reconciliation``: one row per output and hour, clean
hours too, so that a clean check shows as one.

Run it once the jobs have taken the day's input: logs still on their way, late Canal changes or an
order changed since are differences until then.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import sys
import time
from decimal import Decimal
from typing import Any, Callable, Mapping, TextIO
from zoneinfo import ZoneInfo

import phoenixdb
import pymysql
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition
from elasticsearch import exceptions as es_exceptions
from elasticsearch import helpers

from gmall_rt import clients, reference
from gmall_rt import config as config_module
from gmall_rt.config import Config, ConfigError

HOURS = range(24)
# what the jobs write, by the configuration key that names it
OUTPUTS = ("dau_hour", "gmv_hour", "dau_table", "order_info_table", "coupon_alert", "sale_detail")
# what an hour's expected and actual figures measure: the report tables' own figure, else how many
# rows or documents the hour holds
UNITS = {"dau_hour": "devices", "gmv_hour": "GMV", "dau_table": "rows", "order_info_table": "rows",
         "coupon_alert": "documents", "sale_detail": "documents"}
_MEASURES: dict[str, Callable[[Any], Decimal | int]] = {
    "dau_hour": lambda dau: dau,
    "gmv_hour": lambda gmv_and_count: gmv_and_count[0],
}
# a consumer that reads no new record for this long is taken to be cut off from the broker
READ_STALL_S = 60
PROGRESS_EVERY = 100_000

# an output of one day: each key's hour and value
Keyed = dict[Any, tuple[int | None, Any]]


class ReconcileError(ConfigError):
    """The check could not be made (bad arguments, a service that does not answer); exit status 2,
    apart from 1, which says the outputs differ."""

    exit_status = 2


@dataclasses.dataclass(frozen=True)
class HourDiff:
    """One output in one hour of the day: its measure expected and actual (see UNITS), and the
    keys missing from the output, extra in it, and holding another value or hour."""

    output: str
    hour: int
    expected: Decimal | int
    actual: Decimal | int
    missing: int = 0
    extra: int = 0
    changed: int = 0

    @property
    def differs(self) -> bool:
        return bool(self.missing or self.extra or self.changed or self.expected != self.actual)

    def as_json(self) -> dict[str, Any]:
        return {"hour": self.hour, "expected": _number(self.expected), "actual": _number(self.actual),
                "missing": self.missing, "extra": self.extra, "changed": self.changed}


@dataclasses.dataclass(frozen=True)
class Check:
    """One check of a day: every output's 24 hours, in the order of OUTPUTS."""

    day: datetime.date
    checked_at: datetime.datetime  # naive, in the business time zone
    hours: list[HourDiff]

    @property
    def clean(self) -> bool:
        return not any(diff.differs for diff in self.hours)

    @property
    def exit_status(self) -> int:
        return 0 if self.clean else 1

    def of(self, output: str) -> list[HourDiff]:
        return [diff for diff in self.hours if diff.output == output]

    def differences(self) -> list[HourDiff]:
        return [diff for diff in self.hours if diff.differs]

    def as_json(self) -> dict[str, Any]:
        outputs = {}
        for output in OUTPUTS:
            total = _total(output, self.of(output))
            outputs[output] = {"clean": not total.differs, "unit": UNITS[output],
                               "expected": _number(total.expected), "actual": _number(total.actual),
                               "missing": total.missing, "extra": total.extra, "changed": total.changed,
                               "hours": [diff.as_json() for diff in self.of(output) if diff.differs]}
        return {"date": self.day.isoformat(), "checked_at": self.checked_at.isoformat(timespec="milliseconds"),
                "clean": self.clean, "outputs": outputs}


def _number(value: Decimal | int) -> str | int:
    """A measure in JSON: a count as a number, an amount as its exact decimal text."""
    return str(value) if isinstance(value, Decimal) else value


def _total(output: str, hours: list[HourDiff]) -> HourDiff:
    """The day's figures of one output: its hours summed (as hour -1)."""
    return HourDiff(output, -1, sum((d.expected for d in hours), 0), sum((d.actual for d in hours), 0),
                    sum(d.missing for d in hours), sum(d.extra for d in hours), sum(d.changed for d in hours))


# ---------------------------------------------------------------------------------------------
# The comparison


def compare(output: str, expected: Keyed, actual: Keyed) -> list[HourDiff]:
    """The 24 hours of ``output``: ``expected`` and ``actual`` map each key to its (hour, value).

    A key in both whose hour or value differs is changed, counted in its expected hour; its
    measure counts in each side's own hour, so a row in the wrong hour shows in both. An actual
    key without a readable hour (None or out of 0..23) counts in its expected hour, or in hour 0
    when it is extra.
    """
    measure = _MEASURES.get(output, lambda _value: 1)
    figures = {name: dict.fromkeys(HOURS, 0) for name in ("expected", "actual", "missing", "extra", "changed")}
    for key, (hour, value) in expected.items():
        figures["expected"][hour] += measure(value)
        if key not in actual:
            figures["missing"][hour] += 1
        elif actual[key] != (hour, value):
            figures["changed"][hour] += 1
    for key, (hour, value) in actual.items():
        if hour not in HOURS:
            hour = expected[key][0] if key in expected else 0
        figures["actual"][hour] += measure(value)
        if key not in expected:
            figures["extra"][hour] += 1
    return [HourDiff(output, hour, **{name: counts[hour] for name, counts in figures.items()}) for hour in HOURS]


def compare_all(expected: Mapping[str, Keyed], actual: Mapping[str, Keyed]) -> list[HourDiff]:
    return [diff for output in OUTPUTS for diff in compare(output, expected[output], actual[output])]


# ---------------------------------------------------------------------------------------------
# What the outputs should hold, from the reference definitions


@dataclasses.dataclass(frozen=True)
class Inputs:
    """The source of truth: the log topics screened as the jobs screen them, and the source tables."""

    screened: reference.ScreenedLogs
    source: reference.SourceState


def _phoenix_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as Phoenix gives it back: an empty string reads as NULL."""
    return {column: None if value == "" else value for column, value in row.items()}


def _hour_of(text: Any) -> int | None:
    """The hour of a ``yyyy-MM-dd HH:mm:ss`` text, None when it has none."""
    try:
        return int(text[11:13])
    except (TypeError, ValueError):
        return None


def expected_outputs(inputs: Inputs, day: datetime.date, zone: str) -> dict[str, Keyed]:
    """What each output should hold for ``day``, keyed as :func:`actual_outputs` reads it."""
    starts, events, source = inputs.screened.start_records, inputs.screened.event_records, inputs.source
    text = day.isoformat()
    return {
        "dau_hour": {hour: (hour, dau) for (d, hour), dau in reference.dau_by_hour(starts, zone).items() if d == day},
        "gmv_hour": {hour: (hour, figures) for (d, hour), figures in reference.gmv_by_hour(source.order_info).items()
                     if d == day},
        "dau_table": {mid: (row["LOGHOUR"], _phoenix_row(row))
                      for (d, mid), row in reference.dau_rows(starts, zone).items() if d == day},
        "order_info_table": {order_id: (row["CREATE_HOUR"], _phoenix_row(row))
                             for order_id, row in reference.order_info_rows(source.order_info).items()
                             if row["CREATE_DATE"] == text},
        # an alert is indexed by the day of its window's end, as its id names it
        "coupon_alert": {doc_id: (_hour_of(doc["window_end"]), doc)
                         for doc_id, doc in reference.coupon_alerts(events, zone).items()
                         if doc["window_end"][:10] == text},
        "sale_detail": {doc_id: (_hour_of(doc["create_time"]), doc)
                        for doc_id, doc in reference.purchase_detail_docs(
                            source.order_info, source.order_detail, source.user_info).items()
                        if doc["dt"] == text},
    }


def read_topic(config: Config, topic: str, progress: Callable[[str], None]) -> list[reference.KafkaRecord]:
    """Every committed record of ``topic`` up to the end each partition has now: value, partition
    and record timestamp, each partition's records in their order."""
    consumer = Consumer({"bootstrap.servers": config.kafka.bootstrap_servers, "group.id": "gmall-rt-reconcile",
                         "enable.auto.commit": False, "isolation.level": "read_committed",
                         "enable.partition.eof": True, "log_level": 3})
    records: list[reference.KafkaRecord] = []
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        if metadata.error is not None:
            raise ReconcileError(f"topic {topic}: {metadata.error.str()}")
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in metadata.partitions}
        reading = {p for p, end in ends.items() if end > 0}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in reading])
        last_read = time.monotonic()
        while reading:
            if time.monotonic() - last_read > READ_STALL_S:
                raise ReconcileError(f"{topic}: no record read for {READ_STALL_S} s from partitions {sorted(reading)}; "
                                     f"is Kafka at {config.kafka.bootstrap_servers} up?")
            for message in consumer.consume(10_000, 1.0):
                last_read, partition = time.monotonic(), message.partition()
                if message.error():
                    if message.error().code() != KafkaError._PARTITION_EOF:
                        raise ReconcileError(f"{topic}: {message.error().str()}")
                    reading.discard(partition)
                elif partition in reading and message.offset() < ends[partition]:
                    records.append(reference.KafkaRecord(reference.record_value(message.value()), partition,
                                                         message.timestamp()[1]))
                    if len(records) % PROGRESS_EVERY == 0:
                        progress(f"reading {topic}: {len(records):,} records")
                    if message.offset() == ends[partition] - 1:
                        reading.discard(partition)
    except KafkaException as exc:
        raise ReconcileError(f"Kafka at {config.kafka.bootstrap_servers}: {exc.args[0].str()}") from None
    finally:
        consumer.close()
    progress(f"read {topic}: {len(records):,} records")
    return records


def read_inputs(config: Config, progress: Callable[[str], None]) -> Inputs:
    """The logs as the topics hold them now, screened with the configured lateness and clock-skew
    rules, and the source tables as they are now."""
    starts = read_topic(config, config.topics.start, progress)
    events = read_topic(config, config.topics.event, progress)
    screened = reference.screen_logs(starts, events, config.time.allowed_lateness_s * 1000,
                                     config.time.max_future_s * 1000, (config.topics.start, config.topics.event))
    progress(f"screened the logs: {len(screened.start_records):,} start and {len(screened.event_records):,} "
             f"event logs accepted, {len(screened.dead_letters):,} dead letters")
    try:
        with clients.mariadb_source(config) as conn:
            source = reference.load_source_state(conn)
    except pymysql.Error as exc:
        raise ReconcileError(f"MariaDB {config.mariadb.source_database}: {exc.args[-1]}") from None
    progress(f"read {config.mariadb.source_database}: {len(source.order_info):,} orders, "
             f"{len(source.order_detail):,} order lines, {len(source.user_info):,} users")
    return Inputs(screened, source)


# ---------------------------------------------------------------------------------------------
# What the outputs hold


def _sale_detail_doc(source: Mapping[str, Any]) -> dict[str, Any]:
    """A sale-detail document as the reference gives it: amounts are doubles in Elasticsearch."""
    doc = dict(source)
    for field in ("sku_price", "total_amount"):
        if doc.get(field) is not None:
            doc[field] = Decimal(str(doc[field]))
    return doc


def _documents(es, index: str) -> dict[str, dict[str, Any]]:
    if not es.indices.exists(index=index):
        return {}
    return {hit["_id"]: hit["_source"] for hit in helpers.scan(es, index=index, query={"query": {"match_all": {}}})}


def actual_outputs(config: Config, day: datetime.date) -> dict[str, Keyed]:
    """What each output holds for ``day``."""
    text = day.isoformat()
    try:
        with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT hr, dau FROM dau_hour WHERE dt = %s", (text,))
            dau_hour = {hour: (hour, dau) for hour, dau in cursor.fetchall()}
            cursor.execute("SELECT hr, gmv, order_count FROM gmv_hour WHERE dt = %s", (text,))
            gmv_hour = {hour: (hour, (gmv, count)) for hour, gmv, count in cursor.fetchall()}
    except pymysql.Error as exc:
        raise ReconcileError(f"MariaDB {config.mariadb.report_database}: {exc.args[-1]}") from None

    def phoenix_rows(query: str) -> list[dict[str, Any]]:
        cursor = phoenix.cursor()
        cursor.execute(query, [text])
        names = [column[0] for column in cursor.description]
        return [_phoenix_row(dict(zip(names, row))) for row in cursor.fetchall()]

    try:
        with clients.phoenix(config) as phoenix:
            dau_table = {row["MID"]: (row["LOGHOUR"], row) for row in phoenix_rows(
                f"SELECT MID, UID, APPID, AREA, OS, CH, VS, LOGDATE, LOGHOUR, TS FROM {config.hbase.dau_table} "
                "WHERE LOGDATE = ?")}
            order_info_table = {row["ID"]: (row["CREATE_HOUR"], row) for row in phoenix_rows(
                f"SELECT * FROM {config.hbase.order_info_table} WHERE CREATE_DATE = ?")}
    except (phoenixdb.Error, OSError) as exc:  # the Query Server's errors, or its HTTP client's (IOErrors)
        raise ReconcileError(f"Phoenix at {config.phoenix.url}: {exc}") from None

    es = clients.elasticsearch(config)
    try:
        alerts = _documents(es, f"{config.elasticsearch.coupon_alert_index}-{text}")
        details = _documents(es, f"{config.elasticsearch.sale_detail_index}-{text}")
    except es_exceptions.TransportError as exc:  # a ConnectionError too
        raise ReconcileError(f"Elasticsearch at {config.elasticsearch.url}: {exc}") from None
    return {
        "dau_hour": dau_hour,
        "gmv_hour": gmv_hour,
        "dau_table": dau_table,
        "order_info_table": order_info_table,
        "coupon_alert": {doc_id: (_hour_of(doc.get("window_end")), doc) for doc_id, doc in alerts.items()},
        "sale_detail": {doc_id: (_hour_of(doc.get("create_time")), _sale_detail_doc(doc))
                        for doc_id, doc in details.items()},
    }


# ---------------------------------------------------------------------------------------------
# The check, kept and shown


INSERT = ("INSERT INTO reconciliation (checked_at, dt, output_name, hr, expected, actual, missing, extra, changed) "
          "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")


def save(config: Config, check: Check) -> None:
    """Every output and hour of ``check`` into the report table ``reconciliation``."""
    rows = [(check.checked_at, check.day, diff.output, diff.hour, diff.expected, diff.actual, diff.missing,
             diff.extra, diff.changed) for diff in check.hours]
    try:
        with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cursor:
            cursor.executemany(INSERT, rows)
    except pymysql.Error as exc:
        raise ReconcileError(f"MariaDB {config.mariadb.report_database}: the check was not kept: "
                             f"{exc.args[-1]}") from None


def _figure(value: Decimal | int) -> str:
    return f"{value:,.2f}" if isinstance(value, Decimal) else f"{value:,}"


def render_text(check: Check) -> str:
    """The hours that differ, then one line per output."""
    lines = [f"reconcile {check.day.isoformat()}, checked {check.checked_at.isoformat(' ', 'seconds')}"]
    differing = check.differences()
    if differing:
        header = ("OUTPUT", "HOUR", "EXPECTED", "ACTUAL", "MISSING", "EXTRA", "CHANGED")
        table = [header] + [(d.output, f"{d.hour:02d}", _figure(d.expected), _figure(d.actual), f"{d.missing:,}",
                             f"{d.extra:,}", f"{d.changed:,}") for d in differing]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines.extend("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
                     for row in table)
    for output in OUTPUTS:
        total = _total(output, check.of(output))
        unit = UNITS[output]
        if not total.differs:
            lines.append(f"{output}: no differences ({_figure(total.expected)} {unit})")
        else:
            hours = sum(diff.differs for diff in check.of(output))
            lines.append(f"{output}: differences in {hours} hour{'s' if hours != 1 else ''}: {total.missing:,} missing, "
                         f"{total.extra:,} extra, {total.changed:,} changed ({unit}: expected {_figure(total.expected)}, "
                         f"actual {_figure(total.actual)})")
    return "\n".join(lines)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def check_day(config: Config, day: datetime.date, inputs: Inputs | None = None,
              progress: Callable[[str], None] = _stderr) -> Check:
    """Check ``day`` and keep the result; ``inputs`` (read now when None) may serve several days."""
    now = datetime.datetime.now(ZoneInfo(config.time.zone))
    checked_at = now.replace(tzinfo=None, microsecond=now.microsecond // 1000 * 1000)  # as DATETIME(3) keeps it
    inputs = inputs or read_inputs(config, progress)
    expected = expected_outputs(inputs, day, config.time.zone)
    progress(f"reading the outputs of {day.isoformat()}")
    check = Check(day, checked_at, compare_all(expected, actual_outputs(config, day)))
    save(config, check)
    return check


def run(config: Config, day: datetime.date, *, as_json: bool = False, out: TextIO | None = None,
        inputs: Inputs | None = None, progress: Callable[[str], None] = _stderr) -> Check:
    """``gmall-rt reconcile``: check ``day``, keep the result and print it (``out``: stdout)."""
    check = check_day(config, day, inputs, progress)
    text = json.dumps(check.as_json(), indent=2) if as_json else render_text(check)
    print(text, file=out or sys.stdout)
    return check


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: str) -> datetime.date:
    """``--date``: a business day, yyyy-MM-dd."""
    try:
        if _DATE.fullmatch(text.strip()):  # Python alone would also take 20261120 or 2026-W47-5
            return datetime.date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise ReconcileError(f"--date {text!r} is not a date; give it as yyyy-MM-dd, e.g. 2026-11-20")


def cmd_reconcile(args) -> int:
    day = parse_day(args.date)  # checked before any connection is made
    return run(config_module.load(args.config), day, as_json=args.json).exit_status


def add_parser(commands) -> None:
    """Add ``reconcile`` to gmall-rt's subcommands."""
    parser = commands.add_parser(
        "reconcile", help="check a day's real-time outputs against the topics and source tables (exit 1 on any "
                          "difference)")
    parser.add_argument("--date", required=True, help="the business day, yyyy-MM-dd")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON document")
    parser.set_defaults(func=cmd_reconcile)
