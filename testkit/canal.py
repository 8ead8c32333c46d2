"""The oracle of Canal messages: what a job must do with each Kafka value of a Canal topic, in plain
Python, from the rules below and never from the jobs' code (java/udfs' CanalMessageRules applies the
same rules; the unit tests hold the two together). And a generator of hostile Canal messages.

A value is the Kafka record's: bytes (or its text, when they are UTF-8: :func:`oracle.record_value`),
None for a record without a value. Its verdict is the first rule it breaks, checked in this order
(``X`` a column):

 1. None, ``b""`` or ``""``                              -> ``empty message``
 2. bytes that are not UTF-8 (RFC 3629, strictly)        -> ``invalid UTF-8``
 3. brackets ``[``/``{`` outside strings nested deeper than :data:`MAX_NESTING`
                                                         -> ``nested too deep``
 4. not exactly one JSON value (control characters may stand unescaped in strings; NaN, a byte
    order mark, trailing content are not JSON)            -> ``malformed JSON``
 5. not an object                                        -> ``not a JSON object``
 6. ``isDdl`` is ``true`` and ``type`` a string other than INSERT, UPDATE, DELETE: DDL, neither a
    dead letter nor applied
 7. ``type`` absent or null -> ``missing field type``; not a string -> ``wrong type for type``; not
    INSERT, UPDATE or DELETE -> ``unknown type T`` (T only when it is 1 to 32 ASCII letters or
    ``_``, else ``unknown type``)
 8. ``data`` absent, null or ``[]`` -> ``missing field data``; not a list -> ``wrong type for data``;
    ``old`` present, not null and not a list -> ``wrong type for old``; an UPDATE's ``old`` absent or
    null -> ``missing field old``, of another length than ``data`` -> ``old does not match data``
 9. each element of ``data``, then of ``old``: not an object -> ``not a row in data/old``; then its
    columns in table order: present and not null, a value that is not a JSON string -> ``wrong type
    for X``, whose text is not the column type's -> ``wrong type for X``, outside its range ->
    ``out of range for X``; a NOT NULL column absent or null in a data row -> ``missing field X``;
    null in an old row, or (UPDATE) absent from an old row while some key of ``old``, at any depth,
    names it -> ``missing field X in old``

The text of a type: BIGINT and INT ``-?[0-9]+`` within their range; DECIMAL(p, s)
``-?[0-9]+(.[0-9]+)?`` with at most p - s integer digits (leading zeros aside) and only zeros after
the s-th decimal; DATE ``yyyy-MM-dd`` a real date, year 1 to 9999; TIMESTAMP(p)
``yyyy-MM-dd HH:mm:ss`` with an optional fraction of 1 to 9 digits, a real date and time of day, only
zeros after the p-th fraction digit (else out of range); CHAR, VARCHAR and STRING any string. Every
other message is applied: all its rows.
"""

from __future__ import annotations

import datetime
import json
import random
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

MAX_NESTING = 100
ROW_TYPES = frozenset({"INSERT", "UPDATE", "DELETE"})
DDL_TYPES = ("ALTER", "CREATE", "QUERY", "ERASE", "TRUNCATE", "RENAME", "CINDEX", "DINDEX")

EMPTY_MESSAGE = "empty message"
INVALID_UTF8 = "invalid UTF-8"
NESTED_TOO_DEEP = "nested too deep"
MALFORMED_JSON = "malformed JSON"
NOT_AN_OBJECT = "not a JSON object"

_NAMED_TYPE = re.compile(r"[A-Za-z_]{1,32}")
_INTEGER = re.compile(r"-?([0-9]+)")
_DECIMAL = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?")
_INT_RANGES = {"INT": (-(2**31), 2**31 - 1), "BIGINT": (-(2**63), 2**63 - 1)}
_TYPE = re.compile(r"(?P<name>[A-Za-z]+)\s*(?:\(\s*(?P<p>\d+)\s*(?:,\s*(?P<s>\d+)\s*)?\))?", re.ASCII)
_MISSING = object()


# ---------------------------------------------------------------------------------------------
# Columns


@dataclass(frozen=True)
class Column:
    """A column of a table read from Canal, declared as in its source DDL."""

    name: str
    type: str  # as the DDL writes it: BIGINT, INT, STRING, DECIMAL(10, 2), DATE, TIMESTAMP(0)
    not_null: bool = False

    @property
    def declaration(self) -> str:
        """As the dead-letter function is given it: ``id BIGINT NOT NULL``."""
        return f"{self.name} {self.type}" + (" NOT NULL" if self.not_null else "")

    @property
    def kind(self) -> tuple[str, int, int]:
        """(TEXT, INT, BIGINT, DECIMAL, DATE or TIMESTAMP, precision, scale)."""
        match = _TYPE.fullmatch(self.type.strip())
        if match is None:
            raise ValueError(f"column {self.name}: cannot read type {self.type!r}")
        name = match["name"].upper()
        if name in ("STRING", "VARCHAR", "CHAR"):
            return "TEXT", 0, 0
        if name in ("INT", "INTEGER"):
            return "INT", 0, 0
        if name in ("BIGINT", "DATE"):
            return name, 0, 0
        if name == "DECIMAL":
            return "DECIMAL", int(match["p"] or 10), int(match["s"] or 0)
        if name == "TIMESTAMP":
            return "TIMESTAMP", int(match["p"] or 6), 0
        raise ValueError(f"column {self.name}: no rule for type {self.type!r}")


def columns_of(declarations: Iterable[str]) -> tuple[Column, ...]:
    """Columns from declarations as the dead-letter function takes them, ``name TYPE [NOT NULL]``."""
    columns = []
    for declaration in declarations:
        name, type_ = declaration.strip().split(None, 1)
        not_null = re.search(r"\s+NOT\s+NULL\s*$", type_, re.IGNORECASE)
        columns.append(Column(name, type_[:not_null.start()] if not_null else type_.strip(), bool(not_null)))
    return tuple(columns)


def source_columns(ddl: str) -> tuple[Column, ...]:
    """The physical columns of a ``CREATE TABLE`` statement that Canal's rows fill (not the one
    the format fills, its 'gmall-canal-json.deleted-column'), the primary key's NOT NULL."""

    def column(item: str, key: list[str]) -> Column:
        name, declared = item.split(" ", 1)
        not_null = declared.upper().endswith(" NOT NULL")
        return Column(name, declared[:-len(" NOT NULL")] if not_null else declared, not_null or name in key)

    body = ddl[ddl.index("(", re.search(r"CREATE\s+TABLE", ddl, re.IGNORECASE).end()) + 1:
               re.search(r"\)\s*WITH\s*\(", ddl).start()]
    items, depth, start = [], 0, 0
    for at, char in enumerate(body + ","):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(" ".join(body[start:at].split()))
            start = at + 1
    key = next((re.findall(r"\w+", item[len("PRIMARY KEY"):].split(")")[0])
                for item in items if item.upper().startswith("PRIMARY KEY")), [])
    filled = re.search(r"'gmall-canal-json\.deleted-column'\s*=\s*'(\w+)'", ddl)
    return tuple(column(item, key) for item in items if not item.upper().startswith(("PRIMARY KEY", "WATERMARK"))
                 and " METADATA" not in item.upper() and " AS " not in item.upper()
                 and not (filled and item.split(" ", 1)[0] == filled.group(1)))


# the jobs' source table of each gmall table whose messages it reports as dead letters
SOURCE_TABLES = {"order_info": "order_info_source", "order_detail": "order_detail_versions",
                 "user_info": "user_info_source"}


def source_table_columns(table: str) -> tuple[Column, ...]:
    """The columns of the jobs' source of the gmall table ``table`` (order_info, order_detail,
    user_info), as its connector DDL declares them."""
    return table_columns(SOURCE_TABLES[table])


def table_columns(source: str) -> tuple[Column, ...]:
    """The columns of the source table ``source`` (flink_jobs/sql/connectors/<source>.sql)."""
    from flink_jobs import jobs

    path = jobs.CONNECTORS_DIR / f"{source}.sql"
    return source_columns(next(stmt for stmt in jobs.statements(path.read_text())
                               if re.search(rf"CREATE TABLE {source}\s*\(", stmt)))


# ---------------------------------------------------------------------------------------------
# Verdicts


@dataclass(frozen=True)
class Verdict:
    reason: str | None  # the dead-letter reason; None: not a dead letter
    applied: bool  # the message's rows are applied (False for a dead letter and for DDL)


DDL = Verdict(None, False)
APPLIED = Verdict(None, True)


def dead_letter_reason(value: str | bytes | None, columns: Sequence[Column]) -> str | None:
    """The reason the job gives ``value`` in the dead-letter topic, or None."""
    return judge(value, columns).reason


def judge(value: str | bytes | None, columns: Sequence[Column]) -> Verdict:
    """What the job does with ``value``, a message of a table with ``columns``."""
    if not value:
        return Verdict(EMPTY_MESSAGE, False)
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return Verdict(INVALID_UTF8, False)
    if _nested_too_deep(value):
        return Verdict(NESTED_TOO_DEEP, False)
    try:
        message = json.loads(value, strict=False, parse_constant=_not_json, parse_int=_Number, parse_float=_Number)
    except ValueError:
        return Verdict(MALFORMED_JSON, False)
    if not isinstance(message, dict):
        return Verdict(NOT_AN_OBJECT, False)
    type_ = message.get("type")
    if message.get("isDdl") is True and isinstance(type_, str) and type_ not in ROW_TYPES:
        return DDL
    if type_ is None:
        return Verdict("missing field type", False)
    if not isinstance(type_, str):
        return Verdict("wrong type for type", False)
    if type_ not in ROW_TYPES:
        return Verdict(f"unknown type {type_}" if _NAMED_TYPE.fullmatch(type_) else "unknown type", False)
    reason = _rows_error(message, type_ == "UPDATE", columns)
    return APPLIED if reason is None else Verdict(reason, False)


class _Number:
    """A JSON number: a value of no column, kept unconverted, whatever its length."""

    def __init__(self, text: str):
        self.text = text


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _nested_too_deep(text: str) -> bool:
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _rows_error(message: dict, update: bool, columns: Sequence[Column]) -> str | None:
    data, old = message.get("data"), message.get("old")
    if data is None or data == []:
        return "missing field data"
    if not isinstance(data, list):
        return "wrong type for data"
    if old is not None and not isinstance(old, list):
        return "wrong type for old"
    if update and old is None:
        return "missing field old"
    if update and len(old) != len(data):
        return "old does not match data"
    for row in data:
        if (reason := _row_error(row, "data", None, columns)) is not None:
            return reason
    for row in old or []:
        if (reason := _row_error(row, "old", old if update else None, columns)) is not None:
            return reason
    return None


def _row_error(row: Any, field: str, update_old: list | None, columns: Sequence[Column]) -> str | None:
    if not isinstance(row, dict):
        return f"not a row in {field}"
    for column in columns:
        value = row.get(column.name, _MISSING)
        if value is not _MISSING and value is not None:
            if (reason := _value_error(column, value)) is not None:
                return reason
        elif column.not_null:
            if field == "data":
                return f"missing field {column.name}"
            if value is None or (update_old is not None and _names(update_old, column.name)):
                return f"missing field {column.name} in old"
    return None


def _names(tree: Any, name: str) -> bool:
    """Some object in ``tree``, at any depth, has the key ``name``."""
    if isinstance(tree, dict):
        return name in tree or any(_names(value, name) for value in tree.values())
    return isinstance(tree, list) and any(_names(value, name) for value in tree)


def _value_error(column: Column, value: Any) -> str | None:
    wrong, out_of_range = f"wrong type for {column.name}", f"out of range for {column.name}"
    if not isinstance(value, str):
        return wrong
    kind, precision, scale = column.kind
    if kind == "TEXT":
        return None
    if kind in _INT_RANGES:
        match = _INTEGER.fullmatch(value)
        if match is None:
            return wrong
        low, high = _INT_RANGES[kind]
        return None if len(match[1].lstrip("0")) <= 19 and low <= int(value) <= high else out_of_range
    if kind == "DECIMAL":
        match = _DECIMAL.fullmatch(value)
        if match is None:
            return wrong
        fits = len(match[1].lstrip("0")) <= precision - scale and set((match[2] or "")[scale:]) <= {"0"}
        return None if fits else out_of_range
    match = (_DATE if kind == "DATE" else _TIMESTAMP).fullmatch(value)
    if match is None or not _is_date(*match.groups()[:3]):
        return wrong
    if kind == "DATE":
        return None
    if int(match[4]) > 23 or int(match[5]) > 59 or int(match[6]) > 59:
        return wrong
    return None if set((match[7] or "")[precision:]) <= {"0"} else out_of_range


def _is_date(year: str, month: str, day: str) -> bool:
    try:
        datetime.date(int(year), int(month), int(day))  # year 1 to 9999
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------
# Hostile messages


def hostile_messages(table: str, ids: Sequence[int], count: int = 1000, seed: int = 0) -> list[bytes | None]:
    """``count`` Kafka values for the Canal topic of the gmall table ``table`` that the jobs must
    not apply, many with the ids of real rows ``ids``: the end-to-end test's hostile input."""
    return HostileMessages(table, source_table_columns(table), ids, random.Random(seed)).take(count)


def canal_message(change: str, table: str, rows: Sequence[dict], old: Sequence[dict] | None = None,
                  database: str = "gmall") -> dict:
    """A Canal flatMessage as Canal writes it (every value as text, NULL as null), as a dict."""
    def text(values: dict) -> dict:
        return {k: None if v is None else str(v) for k, v in values.items()}

    return {"data": [text(row) for row in rows], "database": database, "es": 1763654400000, "id": 1,
            "isDdl": False, "mysqlType": {}, "old": None if old is None else [text(row) for row in old],
            "pkNames": ["id"], "sql": "", "sqlType": {}, "table": table, "ts": 1763654400123, "type": change}


class HostileMessages:
    """Kafka values of a Canal topic of a table that must not be applied: each is a dead letter or
    DDL by :func:`judge`. Values of the wrong type or out of range, NULL or inconsistent keys, data
    and old missing, of the wrong shape or length, unknown types, isDdl flags, and text broken in
    every way (truncated, trailing content, a byte order mark, duplicate keys, deep nesting, huge
    numbers, bytes that are not UTF-8, random bytes, empty and null values). A row of a broken
    message often has the id of a real row (``ids``), so a test sees that a bad message never
    touches one."""

    def __init__(self, table: str, columns: Sequence[Column], ids: Sequence[int], rng: random.Random):
        self.table, self.columns, self.ids, self.random = table, tuple(columns), list(ids), rng
        self.key = next(column.name for column in self.columns if column.not_null)

    def take(self, count: int) -> list[bytes | None]:
        """``count`` values, each one a dead letter or DDL."""
        values: list[bytes | None] = []
        while len(values) < count:
            value = self.next()
            if not judge(value, self.columns).applied:
                values.append(value)
        return values

    def next(self) -> bytes | None:
        pick = self.random.random()
        if pick < 0.45:
            message = self.valid_message()
            self.break_tree(message)
            return _utf8(message)
        if pick < 0.85:
            return self.break_text(_utf8(self.valid_message()))
        if pick < 0.90:
            return _utf8({"data": None, "database": "gmall", "isDdl": True, "old": None, "sql": "ALTER TABLE x",
                          "table": self.table, "type": self.random.choice(DDL_TYPES)})
        return self.junk()

    # valid messages --------------------------------------------------------------------------

    def valid_message(self) -> dict:
        change = self.random.choice(sorted(ROW_TYPES))
        rows = [self.valid_row() for _ in range(self.random.randint(1, 3))]
        old = [{name: self.valid_value(self.column(name))
                for name in self.random.sample([c.name for c in self.columns if c.name != self.key], 2)}
               for _ in rows] if change == "UPDATE" else None
        return canal_message(change, self.table, rows, old)

    def valid_row(self) -> dict:
        row = {column.name: self.valid_value(column) for column in self.columns
               if column.not_null or self.random.random() < 0.9}
        row[self.key] = str(self.random.choice(self.ids)) if self.ids and self.random.random() < 0.6 \
            else str(self.random.randint(1, 10**12))
        return row

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def valid_value(self, column: Column) -> str | None:
        kind, precision, scale = column.kind
        if not column.not_null and self.random.random() < 0.1:
            return None
        if kind in _INT_RANGES:
            return str(self.random.randint(0, 2**31 - 1))
        if kind == "DECIMAL":
            whole = str(self.random.randint(0, 10 ** (precision - scale) - 1))
            return whole + (f".{self.random.randint(0, 10**scale - 1):0{scale}d}" if scale else "")
        day = datetime.date(2026, 1, 1) + datetime.timedelta(days=self.random.randint(0, 364))
        if kind == "DATE":
            return day.isoformat()
        if kind == "TIMESTAMP":
            time = datetime.time(self.random.randint(0, 23), self.random.randint(0, 59), self.random.randint(0, 59))
            return f"{day} {time}"
        return self.random.choice(["李四", "13812345678", "a \"quoted\" text", "", "tab\there"])

    # broken trees ------------------------------------------------------------------------------

    def break_tree(self, message: dict) -> None:
        rows = message["data"]
        match self.random.randrange(10):
            case 0 | 1:
                column = self.typed_column()
                self.random.choice(rows)[column.name] = self.bad_value(column)
            case 2:
                row = self.random.choice(rows)
                if self.random.random() < 0.5:
                    row[self.key] = None
                else:
                    del row[self.key]
            case 3:
                message["type"] = "UPDATE"
                message["old"] = [{self.key: None}] * len(rows) if self.random.random() < 0.5 \
                    else [{"extra": {self.key: "1"}}] + [{} for _ in rows[1:]]
            case 4:
                self.replace(message, "type", [_MISSING, None, 1, ["INSERT"], "CREATE", "insert", "", "UPSERT",
                                               "X" * 40, "两种"])
            case 5:
                message["isDdl"] = self.random.choice(["true", 1])
                message["type"] = self.random.choice(DDL_TYPES)
            case 6:
                self.replace(message, "data", [_MISSING, None, [], {}, "x", 5, rows + [None], [None] + rows,
                                               rows + [5], rows + [[]]])
            case 7:
                message["type"] = "UPDATE"
                self.replace(message, "old", [_MISSING, None, {}, "x", [], [None] * len(rows),
                                              [{}] * (len(rows) + 1)])
            case 8:
                column = self.typed_column()
                message["old"] = [{column.name: self.bad_value(column)} for _ in rows]
            case _:
                self.random.choice(rows)[self.random.choice(self.columns).name] = self.random.choice(
                    [5, 1.5, True, {"id": "1"}, ["1"], 10**30])

    def replace(self, message: dict, field: str, choices: list) -> None:
        """``message[field]`` becomes one of ``choices``; :data:`_MISSING` takes it out."""
        value = self.random.choice(choices)
        if value is _MISSING:
            message.pop(field, None)
        else:
            message[field] = value

    def typed_column(self) -> Column:
        return self.random.choice([c for c in self.columns if c.kind[0] != "TEXT"] or self.columns)

    def bad_value(self, column: Column) -> Any:
        kind, precision, scale = column.kind
        choices: list[Any] = [5, 1.5, "", "x", " 1", "1e3", "+1"]
        if kind in _INT_RANGES:
            low, high = _INT_RANGES[kind]
            choices += [str(high + 1), str(low - 1), "1.5", "٣", "9" * 30]
        elif kind == "DECIMAL":
            choices += ["9" * (precision - scale + 1), f"1.{'5' * (scale + 1)}", ".5", "5.", "NaN", "1,50"]
        elif kind == "DATE":
            choices += ["2021-02-29", "2026-02-30", "0000-01-01", "2026-1-1", "2026-01-01 00:00:00"]
        elif kind == "TIMESTAMP":
            choices += ["2026-11-20 10:30", "2021-02-29 10:00:00", "2026-11-20 24:00:00", "2026-11-20T10:30:05",
                        f"2026-11-20 10:30:05.{'5' * (precision + 1)}", "2026-11-20 10:30:05."]
        return self.random.choice(choices)

    # broken text, junk -------------------------------------------------------------------------

    def break_text(self, value: bytes) -> bytes:
        text = value.decode()
        match self.random.randrange(9):
            case 0:
                return value[:self.random.randrange(len(value))]
            case 1:
                return (text + self.random.choice([" x", "}", "{}", ' {"type":"DELETE"}', "\x00", "]"])).encode()
            case 2:
                return ("\ufeff" + text).encode()
            case 3:
                return (text[:-1] + ',"type":' + self.random.choice(['"BOGUS"', "5", "null", "[]"]) + "}").encode()
            case 4:
                depth = self.random.choice([MAX_NESTING, MAX_NESTING + 1, 5_000])
                return (text[:-1] + ',"deep":' + "[" * depth + "]" * depth + "}").encode()
            case 5:
                row = json.loads(text)
                column = self.typed_column()
                huge = "9" * self.random.randint(20, 5_000)
                written = f'"{column.name}":"{row["data"][0].get(column.name)}"'
                return text.replace(written, f'"{column.name}":{huge}', 1).encode()
            case 6:
                at = self.random.randrange(1, len(value))
                not_utf8 = self.random.choice([b"\xff", b"\xc3", b"\xe6\x9d", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80"])
                return value[:at] + not_utf8 + value[at:]
            case 7:
                return text.replace('"', "'").encode()
            case _:
                at = self.random.randrange(len(value))
                return value[:at] + bytes([self.random.choice([b for b in range(256) if b != 0xED])]) + value[at + 1:]

    def junk(self) -> bytes | None:
        match self.random.randrange(4):
            case 0:
                return None
            case 1:
                return bytes(self.random.choice([b for b in range(256) if b != 0xED])
                             for _ in range(self.random.randint(1, 60)))
            case 2:
                return b"{" * self.random.randint(1, 300)
            case _:
                return self.random.choice([b"", b" ", b"null", b"[]", b"{}", b'"INSERT"', b"5", b"true", b"{",
                                           b'{"type":"INSERT"}', b"NaN"])


def _utf8(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
