"""The outputs' definitions in plain Python: what the Flink jobs must write, computed from the input.

It works from the exact input — the log records as the topics hold them, each partition in its
order, and the final state of the MariaDB ``gmall`` tables — and never from the jobs' SQL, so what
the jobs wrote can be checked against what they should have written: ``gmall-rt reconcile``
(:mod:`gmall_rt.reconcile`) does it for a day of the real outputs, and the tests' oracle for every
output of a run.

Validation of log records: a record is a dead letter, with the reason of the first rule it breaks,
checked in this order:
  0. the record has a value                                      -> ``null value``
     of at most :data:`MAX_LOG_BYTES` bytes                      -> ``oversized``
     that is UTF-8 (RFC 3629: no encoded surrogates, no overlong forms) -> ``invalid UTF-8``
  1. the value parses as JSON (``NaN``/``Infinity`` are not JSON; any depth of nesting)
                                                                 -> ``malformed JSON``
  2. it is a JSON object                                          -> ``not a JSON object``
  3. ``type`` is present and is ``"startup"`` (start topic) or ``"event"`` (event topic)
                                              -> ``missing field type`` / ``wrong type value``
  4. each required field, in the order of :data:`START_FIELDS` / :data:`EVENT_FIELDS`, is present
     and not null (``missing field <name>``) and is a JSON string, or for ``ts`` a JSON integer
     (not a bool, float or string) (``wrong type for <name>``); empty strings are accepted
  5. ``0 < ts < MAX_TS_MS`` (year 9999 in every zone)             -> ``ts out of range``
  6. event logs only: ``evid`` is one of :data:`EVIDS`            -> ``unknown evid``
Extra fields are allowed.

Clock skew: a record that passes these rules but whose ``ts`` is more than ``max_future_ms``
ahead of its Kafka record's timestamp is a dead letter ``clock skew`` (a device with a wrong clock).

Lateness: within each Kafka partition of a topic, valid records are taken in the partition's order,
and ``max_ts`` is the largest ``ts`` of the earlier valid, non-late records of that partition (dead
letters never move it). A valid record is late — a dead letter with reason ``late`` — when
``ts < max_ts - allowed_lateness_ms``; ``ts == max_ts - allowed_lateness_ms`` is on time. The first
record of a partition is never late. A record given as a plain string is taken as partition 0's,
with no record timestamp (never clock skew).

Business day and hour of a log come from ``ts`` in the configured zone; ``create_time`` of an order
is already a naive local business time and is used as it is.
"""

from __future__ import annotations

import base64
import bisect
import datetime
import json
import re
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

START_TOPIC = "gmall_start"
EVENT_TOPIC = "gmall_event"

START_TYPE = "startup"
EVENT_TYPE = "event"
START_FIELDS = ("mid", "uid", "appid", "area", "os", "ch", "vs", "ts")
EVENT_FIELDS = ("mid", "uid", "appid", "area", "os", "evid", "pgid", "npgid", "itemid", "ts")
EVIDS = frozenset({"clickItem", "coupon", "addCart", "addFavor", "addComment"})

NULL_VALUE = "null value"
OVERSIZED = "oversized"
INVALID_UTF8 = "invalid UTF-8"
MALFORMED_JSON = "malformed JSON"
NOT_AN_OBJECT = "not a JSON object"
WRONG_TYPE_VALUE = "wrong type value"
TS_OUT_OF_RANGE = "ts out of range"
UNKNOWN_EVID = "unknown evid"
LATE = "late"
CLOCK_SKEW = "clock skew"

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
# 9999-12-31T00:00:00Z: any zone offset (under a day) keeps local times, and the windows of
# coupon alerts, inside year 9999, the last one Python's datetime (and Flink's TIMESTAMP) knows.
MAX_TS_MS = 253402214400000
MAX_LOG_BYTES = 65_536

MINUTE_MS = 60_000
ALERT_WINDOW_MS = 5 * MINUTE_MS
ALERT_MIN_DISTINCT_UIDS = 3

_CENT = Decimal("0.01")
_SHARE_QUANTUM = Decimal("0.0001")
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def missing_field(name: str) -> str:
    return f"missing field {name}"


def wrong_type_for(name: str) -> str:
    return f"wrong type for {name}"


# ---------------------------------------------------------------------------------------------
# Log records: validation and lateness


@dataclass(frozen=True)
class KafkaRecord:
    """A log as a topic holds it: its value (text; bytes when they are not UTF-8; None for a record
    without a value), the partition, and the record's timestamp (epoch ms)."""

    value: str | bytes | None
    partition: int = 0
    timestamp_ms: int | None = None


def _as_record(item: "str | bytes | None | KafkaRecord") -> KafkaRecord:
    """A record, its value as :func:`record_value` gives it (bytes that are UTF-8 as text)."""
    record = item if isinstance(item, KafkaRecord) else KafkaRecord(item)
    if isinstance(record.value, bytes):
        return KafkaRecord(record_value(record.value), record.partition, record.timestamp_ms)
    return record


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    value: str | bytes | None
    reason: str


@dataclass(frozen=True)
class ScreenedLogs:
    """Log records split into accepted ones (parsed, per topic, in arrival order), dead letters."""

    start_records: list[dict[str, Any]]
    event_records: list[dict[str, Any]]
    dead_letters: list[DeadLetter]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _any_length_int(text: str) -> int:
    """A JSON integer of any length, as the jobs' parser reads it: Python converts at most 4,300
    digits, and any integer that long is far out of every range the logs allow anyway."""
    if len(text) <= 4000:
        return int(text)
    return -(10**4000) if text.startswith("-") else 10**4000


def record_value(value: bytes | None) -> str | bytes | None:
    """A Kafka record's value as these definitions take it: text when it is UTF-8, else its bytes."""
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value


def dead_letter_value(dead_letter: Mapping[str, Any]) -> str | bytes | None:
    """The record a dead letter of the jobs holds, as :func:`record_value` gives it: its text, or its
    bytes from ``value_base64``."""
    if dead_letter.get("value_base64") is not None:
        return base64.b64decode(dead_letter["value_base64"])
    return dead_letter["value"]


def _json_any_depth(text: str) -> Any:
    """``text`` parsed as JSON however deep it nests (the jobs' parser has no depth limit): Python's
    parser recurses once per level, so a deep document is parsed on a thread of its own with room
    for that."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_int=_any_length_int)
    except RecursionError:
        pass
    outcome: list[Any] = []

    def parse() -> None:
        try:
            outcome.append(json.loads(text, parse_constant=_reject_constant, parse_int=_any_length_int))
        except ValueError as exc:
            outcome.append(exc)

    limit, stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(len(text) + 1_000)  # a level takes at least one character
    threading.stack_size(min(len(text) * 1_024 + (16 << 20), 1 << 30))
    try:
        thread = threading.Thread(target=parse)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(stack)
        sys.setrecursionlimit(limit)
    if isinstance(outcome[0], ValueError):
        raise outcome[0]
    return outcome[0]


def parse_log_record(
    value: str | bytes | None, record_type: str, fields: tuple[str, ...]
) -> dict[str, Any] | str:
    """The parsed record when ``value`` is valid, else the reason it is a dead letter (a str).

    Lateness is not judged here: it depends on the records before.
    """
    if value is None:
        return NULL_VALUE
    size = len(value) if isinstance(value, bytes) else len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_LOG_BYTES:
        return OVERSIZED
    if isinstance(value, bytes):
        value = record_value(value)
        if isinstance(value, bytes):
            return INVALID_UTF8
    try:
        record = _json_any_depth(value)
    except ValueError:
        return MALFORMED_JSON
    if not isinstance(record, dict):
        return NOT_AN_OBJECT
    if record.get("type") is None:
        return missing_field("type")
    if record["type"] != record_type:
        return WRONG_TYPE_VALUE
    for name in fields:
        field_value = record.get(name)
        if field_value is None:
            return missing_field(name)
        if name == "ts":
            if type(field_value) is not int:
                return wrong_type_for(name)
        elif not isinstance(field_value, str):
            return wrong_type_for(name)
    if not 0 < record["ts"] < MAX_TS_MS:
        return TS_OUT_OF_RANGE
    if "evid" in fields and record["evid"] not in EVIDS:
        return UNKNOWN_EVID
    return record


def _screen_topic(
    topic: str,
    records: Iterable[str | KafkaRecord],
    record_type: str,
    fields: tuple[str, ...],
    allowed_lateness_ms: int,
    max_future_ms: int | None,
) -> tuple[list[dict[str, Any]], list[DeadLetter]]:
    accepted: list[dict[str, Any]] = []
    dead: list[DeadLetter] = []
    max_ts: dict[int, int] = {}  # by partition
    for record in map(_as_record, records):
        value = record.value
        outcome = parse_log_record(value, record_type, fields)
        if isinstance(outcome, str):
            dead.append(DeadLetter(topic, value, outcome))
        elif (max_future_ms is not None and record.timestamp_ms is not None
              and outcome["ts"] - record.timestamp_ms > max_future_ms):
            dead.append(DeadLetter(topic, value, CLOCK_SKEW))
        elif record.partition in max_ts and outcome["ts"] < max_ts[record.partition] - allowed_lateness_ms:
            dead.append(DeadLetter(topic, value, LATE))
        else:
            accepted.append(outcome)
            max_ts[record.partition] = max(max_ts.get(record.partition, outcome["ts"]), outcome["ts"])
    return accepted, dead


def screen_logs(
    start_values: Iterable[str | KafkaRecord], event_values: Iterable[str | KafkaRecord],
    allowed_lateness_ms: int, max_future_ms: int | None = None,
    topics: tuple[str, str] = (START_TOPIC, EVENT_TOPIC),
) -> ScreenedLogs:
    """Validate, apply the clock-skew rule and lateness to both topics (named ``topics``, start and
    event, in the dead letters); dead letters list the start topic's first, each topic's in the
    order given."""
    start_records, start_dead = _screen_topic(
        topics[0], start_values, START_TYPE, START_FIELDS, allowed_lateness_ms, max_future_ms
    )
    event_records, event_dead = _screen_topic(
        topics[1], event_values, EVENT_TYPE, EVENT_FIELDS, allowed_lateness_ms, max_future_ms
    )
    return ScreenedLogs(start_records, event_records, start_dead + event_dead)


def dead_letters(
    start_values: Iterable[str | KafkaRecord], event_values: Iterable[str | KafkaRecord],
    allowed_lateness_ms: int, max_future_ms: int | None = None,
    topics: tuple[str, str] = (START_TOPIC, EVENT_TOPIC),
) -> list[tuple[str, str | bytes | None, str]]:
    """``(topic, raw value, reason)`` of every dead letter, each topic's in the order given (the value
    as :func:`record_value` gives it; :func:`dead_letter_value` reads the jobs' dead letters so)."""
    screened = screen_logs(start_values, event_values, allowed_lateness_ms, max_future_ms, topics)
    return [(dead.topic, dead.value, dead.reason) for dead in screened.dead_letters]


def accepted_records(
    start_values: Iterable[str | KafkaRecord], event_values: Iterable[str | KafkaRecord],
    allowed_lateness_ms: int, max_future_ms: int | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The parsed records that are not dead letters: ``(start records, event records)``."""
    screened = screen_logs(start_values, event_values, allowed_lateness_ms, max_future_ms)
    return screened.start_records, screened.event_records


def local_time(ts_ms: int, zone: str | ZoneInfo) -> datetime.datetime:
    """Epoch milliseconds as an aware datetime in ``zone`` (exact: no float seconds involved)."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return (_EPOCH + datetime.timedelta(milliseconds=ts_ms)).astimezone(tz)


# ---------------------------------------------------------------------------------------------
# DAU


def dau_rows(
    start_records: Iterable[Mapping[str, Any]], zone: str
) -> dict[tuple[datetime.date, str], dict[str, Any]]:
    """The ``GMALL_DAU`` rows, keyed by (business day, mid).

    Each comes from the device's earliest start log of that day by ``ts``; of logs sharing the
    earliest ``ts``, the one that arrived first.
    """
    tz = ZoneInfo(zone)
    earliest: dict[tuple[datetime.date, str], tuple[Mapping[str, Any], datetime.datetime]] = {}
    for record in start_records:
        started = local_time(record["ts"], tz)
        key = (started.date(), record["mid"])
        if key not in earliest or record["ts"] < earliest[key][0]["ts"]:
            earliest[key] = (record, started)
    return {
        key: {
            "MID": record["mid"],
            "UID": record["uid"],
            "APPID": record["appid"],
            "AREA": record["area"],
            "OS": record["os"],
            "CH": record["ch"],
            "VS": record["vs"],
            "LOGDATE": started.date().isoformat(),
            "LOGHOUR": started.hour,
            "TS": record["ts"],
        }
        for key, (record, started) in earliest.items()
    }


def dau_by_hour(
    start_records: Iterable[Mapping[str, Any]], zone: str
) -> dict[tuple[datetime.date, int], int]:
    """``gmall_report.dau_hour``: devices counted per (day, hour of first start); no zero cells."""
    counts: dict[tuple[datetime.date, int], int] = defaultdict(int)
    for (day, _mid), row in dau_rows(start_records, zone).items():
        counts[(day, row["LOGHOUR"])] += 1
    return dict(counts)


# ---------------------------------------------------------------------------------------------
# GMV and GMALL_ORDER_INFO


def gmv_by_hour(
    order_info: Iterable[Mapping[str, Any]],
) -> dict[tuple[datetime.date, int], tuple[Decimal, int]]:
    """``gmall_report.gmv_hour``: (gmv, order count) per (day, hour) of ``create_time``.

    From the final state of ``order_info``, so an updated amount counts as it is now and a deleted
    order not at all. Orders whose ``create_time`` or ``total_amount`` is NULL are left out of both
    the sum and the count (they have no hour, or no amount to add).
    """
    totals: dict[tuple[datetime.date, int], tuple[Decimal, int]] = {}
    for order in order_info:
        created, amount = order["create_time"], order["total_amount"]
        if created is None or amount is None:
            continue
        key = (created.date(), created.hour)
        gmv, count = totals.get(key, (Decimal(0), 0))
        totals[key] = (gmv + amount, count + 1)
    return {
        key: (gmv.quantize(_CENT, ROUND_HALF_UP), count) for key, (gmv, count) in totals.items()
    }


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``: first 3 and last 4 characters kept, exactly 4 asterisks.

    A phone shorter than 8 characters, or NULL, is returned as it is.
    """
    if phone is None or len(phone) < 8:
        return phone
    return f"{phone[:3]}****{phone[-4:]}"


def order_info_rows(order_info: Iterable[Mapping[str, Any]]) -> dict[Any, dict[str, Any]]:
    """The ``GMALL_ORDER_INFO`` rows by order id: every column, named in upper case as Phoenix
    reports unquoted identifiers, values as PyMySQL returns them, ``CONSIGNEE_TEL`` masked, plus
    ``CREATE_DATE`` (``yyyy-MM-dd``) and ``CREATE_HOUR`` (None when ``create_time`` is NULL)."""
    rows = {}
    for order in order_info:
        row = {column.upper(): value for column, value in order.items()}
        row["CONSIGNEE_TEL"] = mask_phone(order["consignee_tel"])
        created = order["create_time"]
        row["CREATE_DATE"] = None if created is None else created.date().isoformat()
        row["CREATE_HOUR"] = None if created is None else created.hour
        rows[order["id"]] = row
    return rows


# ---------------------------------------------------------------------------------------------
# Coupon risk alerts


def _format_local(ts_ms: int, tz: ZoneInfo) -> str:
    return local_time(ts_ms, tz).strftime("%Y-%m-%d %H:%M:%S")


def coupon_alerts(
    event_records: Iterable[Mapping[str, Any]], zone: str
) -> dict[str, dict[str, Any]]:
    """The ``gmall_coupon_alert`` documents by id ``<mid>_<yyyy-MM-dd_HH:mm>`` (window end, local).

    Windows are ``[end - 5 min, end)`` for every ``end`` on a whole epoch minute. A device alerts
    in a window holding coupon events of at least 3 distinct uids and no clickItem event. Only the
    ends in ``(t, t + 5 min]`` of some coupon event at ``t`` can alert, so only those are checked.
    """
    tz = ZoneInfo(zone)
    events_by_mid: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in event_records:
        events_by_mid[record["mid"]].append(record)

    alerts = {}
    for mid, events in events_by_mid.items():
        events.sort(key=lambda event: event["ts"])
        event_times = [event["ts"] for event in events]
        coupons = [event for event in events if event["evid"] == "coupon"]
        coupon_times = [event["ts"] for event in coupons]
        click_times = [event["ts"] for event in events if event["evid"] == "clickItem"]
        window_ends = sorted(
            {
                (ts // MINUTE_MS + minutes) * MINUTE_MS
                for ts in coupon_times
                for minutes in range(1, ALERT_WINDOW_MS // MINUTE_MS + 1)
            }
        )
        for end in window_ends:
            start = end - ALERT_WINDOW_MS
            if bisect.bisect_left(click_times, start) < bisect.bisect_left(click_times, end):
                continue
            window_coupons = coupons[
                bisect.bisect_left(coupon_times, start) : bisect.bisect_left(coupon_times, end)
            ]
            uids = sorted({coupon["uid"] for coupon in window_coupons})
            if len(uids) < ALERT_MIN_DISTINCT_UIDS:
                continue
            window_events = events[
                bisect.bisect_left(event_times, start) : bisect.bisect_left(event_times, end)
            ]
            doc_id = f"{mid}_{local_time(end, tz).strftime('%Y-%m-%d_%H:%M')}"
            alerts[doc_id] = {
                "mid": mid,
                "uids": uids,
                "item_ids": sorted({coupon["itemid"] for coupon in window_coupons}),
                "events": sorted({event["evid"] for event in window_events}),
                "window_start": _format_local(start, tz),
                "window_end": _format_local(end, tz),
                "ts": end,
            }
    return alerts


# ---------------------------------------------------------------------------------------------
# Purchase detail


def age_on(birthday: datetime.date | None, day: datetime.date | None) -> int | None:
    """Whole years from ``birthday`` to ``day``; a Feb-29 birthday counts on Mar 1 in common
    years."""
    if birthday is None or day is None:
        return None
    birthday_to_come = (day.month, day.day) < (birthday.month, birthday.day)
    return day.year - birthday.year - (1 if birthday_to_come else 0)


def _whole_number(value: Any) -> int | None:
    """``sku_num`` is VARCHAR in ``gmall``: its text as an int, None when NULL or not a number."""
    if value is None or not _WHOLE_NUMBER.fullmatch(str(value)):
        return None
    return int(value)


def purchase_detail_docs(
    order_info: Iterable[Mapping[str, Any]],
    order_detail: Iterable[Mapping[str, Any]],
    user_info: Iterable[Mapping[str, Any]],
) -> dict[str, dict[str, Any]]:
    """The ``gmall_sale_detail`` documents by id ``str(order_detail.id)``, from the final state.

    An order line is a document when its order exists and the order's user exists; otherwise it
    is absent. ``sku_num`` is None when the text in ``gmall`` is not a whole number;
    ``create_time``, ``dt`` and ``user_age`` are None when the order has no ``create_time`` (or
    the user no birthday, for ``user_age``).
    """
    orders = {order["id"]: order for order in order_info}
    users = {user["id"]: user for user in user_info}
    docs = {}
    for line in order_detail:
        order = orders.get(line["order_id"])
        user = None if order is None else users.get(order["user_id"])
        if user is None:
            continue
        created = order["create_time"]
        order_day = None if created is None else created.date()
        docs[str(line["id"])] = {
            "order_detail_id": line["id"],
            "order_id": order["id"],
            "order_status": order["order_status"],
            "create_time": None if created is None else created.strftime("%Y-%m-%d %H:%M:%S"),
            "dt": None if order_day is None else order_day.isoformat(),
            "user_id": order["user_id"],
            "user_gender": user["gender"],
            "user_age": age_on(user["birthday"], order_day),
            "user_level": user["user_level"],
            "sku_id": line["sku_id"],
            "sku_name": line["sku_name"],
            "sku_price": line["order_price"],
            "sku_num": _whole_number(line["sku_num"]),
            "province_id": order["province_id"],
            "total_amount": order["total_amount"],
        }
    return docs


def age_band(age: int | None) -> str:
    """The analysis' age band: ``under 20``, ``20-29``, ``30+`` (``unknown`` without an age)."""
    if age is None:
        return "unknown"
    if age < 20:
        return "under 20"
    if age < 30:
        return "20-29"
    return "30+"


@dataclass(frozen=True)
class SaleSummary:
    """The purchase analysis for a date and keyword.

    Shares are Decimal fractions of ``total`` rounded half-up to 4 places (so they may not add up
    to exactly 1); only groups with at least one line appear. ``order_detail_ids`` are the
    matching documents' ids in numeric order.
    """

    total: int
    gender_share: dict[str | None, Decimal]
    age_band_share: dict[str, Decimal]
    order_detail_ids: list[str]


def _shares(groups: list[Any]) -> dict[Any, Decimal]:
    counts: dict[Any, int] = defaultdict(int)
    for group in groups:
        counts[group] += 1
    return {
        group: (Decimal(count) / len(groups)).quantize(_SHARE_QUANTUM, ROUND_HALF_UP)
        for group, count in counts.items()
    }


def sale_summary(
    docs: Mapping[str, Mapping[str, Any]], date: datetime.date | str, keyword: str | None
) -> SaleSummary:
    """The analysis over ``docs`` (as :func:`purchase_detail_docs` returns them): the lines with
    ``dt == date`` (a ``datetime.date`` or ``yyyy-MM-dd``) whose ``sku_name`` contains ``keyword``
    as a literal, case-sensitive substring (None or '' matches every line)."""
    day = date.isoformat() if isinstance(date, datetime.date) else date
    matching = {
        doc_id: doc
        for doc_id, doc in docs.items()
        if doc["dt"] == day and (not keyword or keyword in (doc["sku_name"] or ""))
    }
    return SaleSummary(
        total=len(matching),
        gender_share=_shares([doc["user_gender"] for doc in matching.values()]),
        age_band_share=_shares([age_band(doc["user_age"]) for doc in matching.values()]),
        order_detail_ids=sorted(matching, key=int),
    )


# ---------------------------------------------------------------------------------------------
# Source state


@dataclass(frozen=True)
class SourceState:
    """Rows of the ``gmall`` tables as PyMySQL's DictCursor returns them."""

    user_info: list[dict[str, Any]]
    order_info: list[dict[str, Any]]
    order_detail: list[dict[str, Any]]


def load_source_state(connection: Any) -> SourceState:
    """Read ``user_info``, ``order_info`` and ``order_detail`` from a PyMySQL connection whose
    current database is ``gmall``."""
    # The one import beyond the standard library, here so the computations above need none.
    from pymysql.cursors import DictCursor

    def read(table: str) -> list[dict[str, Any]]:
        with connection.cursor(DictCursor) as cursor:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            return list(cursor.fetchall())

    return SourceState(
        user_info=read("user_info"),
        order_info=read("order_info"),
        order_detail=read("order_detail"),
    )
