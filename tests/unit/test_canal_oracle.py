"""The Canal oracle (testkit/canal.py) against messages whose verdicts are worked out by hand, its
hostile messages, and the dead-letter views' column lists against their source tables' DDL."""

import json
import random
import re

import pytest

from flink_jobs import gmv, jobs, sale_detail, user_dim
from testkit import canal
from tests.unit import flink_sql

COLUMNS = canal.columns_of([
    "id BIGINT NOT NULL", "consignee STRING", "total_amount DECIMAL(10, 2)", "user_id BIGINT", "province_id INT",
    "birthday DATE", "create_time TIMESTAMP(0)", "paid_time TIMESTAMP(3)"])
ROW = {"id": "1", "consignee": "李四", "total_amount": "2798.00", "create_time": "2026-11-20 10:30:05"}
DEAD_LETTER_VIEWS = [(gmv.JOB, "order_info_source", "order_info_dead_letters"),
                     (sale_detail.JOB, "order_detail_versions", "order_detail_dead_letters"),
                     (user_dim.JOB, "user_info_source", "user_info_dead_letters")]


def message(change="INSERT", data=(ROW,), old=None, **fields) -> str:
    body = {"data": list(data) if isinstance(data, tuple) else data, "database": "gmall", "table": "order_info",
            "type": change, "isDdl": False, "old": old, "es": 0, "ts": 0, **fields}
    return json.dumps({k: v for k, v in body.items() if v is not ...}, ensure_ascii=False)


def with_field(name: str, json_text: str) -> str:
    """The valid message with one more field, written as it is."""
    return message()[:-1] + f', "{name}": {json_text}}}'


def row(**values) -> dict:
    return {k: v for k, v in {**ROW, **values}.items() if v is not ...}


@pytest.mark.parametrize("value, reason", [
    (None, "empty message"),
    ("", "empty message"),
    (message().replace("李四", "李\ufffd"), None),  # U+FFFD is a character like any other
    (message().encode()[:-1] + b"\xc3}", "invalid UTF-8"),
    (message().encode().replace("李".encode(), b"\xed\xa0\x80"), "invalid UTF-8"),  # an encoded surrogate
    (with_field("deep", "[" * 99 + "]" * 99), None),  # 100 deep with the message itself
    (with_field("deep", "[" * 100 + "]" * 100), "nested too deep"),
    (with_field("deep", "[" * 100), "nested too deep"),  # and malformed: the depth is judged first
    (message(deep="x\\\"" + "[" * 200), None),  # brackets in a string do not nest
    (" ", "malformed JSON"),
    (message()[:40], "malformed JSON"),
    (message() + " x", "malformed JSON"),  # canal-json would read the first object and apply it
    ("\ufeff" + message(), "malformed JSON"),
    (message().replace('"ts": 0', '"ts": NaN'), "malformed JSON"),
    ("[" + message() + "]", "not a JSON object"),
    (message(isDdl=True, type="ALTER", data=None), None),  # DDL: neither applied nor a dead letter
    (message(isDdl=True), None),  # rows all the same: applied
    (message(type="ALTER", data=None), "unknown type ALTER"),
    (message(isDdl="true", type="ALTER"), "unknown type ALTER"),
    (message(type="CREATE"), "unknown type CREATE"),
    (message(type="MERGE INTO x"), "unknown type"),
    (message(type=...), "missing field type"),
    (message(type=None), "missing field type"),
    (message(type=["INSERT"]), "wrong type for type"),
    (message(data=None), "missing field data"),
    (message(data=[]), "missing field data"),
    (message(data=ROW), "wrong type for data"),
    (message(old={}), "wrong type for old"),
    (message("UPDATE"), "missing field old"),
    (message("UPDATE", old=[{}, {}]), "old does not match data"),
    (message(data=[ROW, None]), "not a row in data"),
    (message("DELETE", old=[None]), "not a row in old"),
    (message(data=[row(id=...)]), "missing field id"),
    (message(data=[row(id=None)]), "missing field id"),
    (message("UPDATE", old=[{"id": None}]), "missing field id in old"),
    (message("UPDATE", data=[ROW, ROW], old=[{"consignee": "a"}, {"id": "7"}]), "missing field id in old"),
    (message("UPDATE", old=[{"x": [{"id": "7"}]}]), "missing field id in old"),
    (message("UPDATE", data=[ROW, ROW], old=[{"consignee": "a"}, {"consignee": "b"}]), None),
    (message(data=[row(id=1)]), "wrong type for id"),
    (message(data=[row(id="1.5")]), "wrong type for id"),
    (message(data=[row(id="9223372036854775808")]), "out of range for id"),
    (message(data=[row(id="-9223372036854775808")]), None),
    (message(data=[row(province_id="2147483648")]), "out of range for province_id"),
    (message(data=[row(province_id="0" * 40 + "7")]), None),
    (message(data=[row(province_id=" 7")]), "wrong type for province_id"),
    (message(data=[row(total_amount="100000000.00")]), "out of range for total_amount"),
    (message(data=[row(total_amount="12.345")]), "out of range for total_amount"),
    (message(data=[row(total_amount="12.340")]), None),
    (message(data=[row(total_amount="-99999999.99")]), None),
    (message(data=[row(total_amount="1e3")]), "wrong type for total_amount"),
    (message(data=[row(total_amount="12,50")]), "wrong type for total_amount"),
    (message(data=[row(total_amount=12.5)]), "wrong type for total_amount"),
    (message(data=[row(consignee=5)]), "wrong type for consignee"),
    (message(data=[row(birthday="2021-02-29")]), "wrong type for birthday"),
    (message(data=[row(birthday="0000-01-01")]), "wrong type for birthday"),
    (message(data=[row(birthday="2020-02-29")]), None),
    (message(data=[row(create_time="2026-11-20 10:30")]), "wrong type for create_time"),
    (message(data=[row(create_time="2021-02-30 10:00:00")]), "wrong type for create_time"),
    (message(data=[row(create_time="2026-11-20 24:00:00")]), "wrong type for create_time"),
    (message(data=[row(create_time="2026-11-20T10:30:05")]), "wrong type for create_time"),
    (message(data=[row(create_time="2026-11-20 10:30:05.5")]), "out of range for create_time"),
    (message(data=[row(create_time="2026-11-20 10:30:05.000")]), None),
    (message(data=[row(paid_time="2026-11-20 10:30:05.123000")]), None),
    (message(data=[row(paid_time="2026-11-20 10:30:05.1234")]), "out of range for paid_time"),
    (message(data=[row(extra={"deep": [1, 2.5, None]})]), None),  # columns the table has not
    (message().replace('"ts": 0}', '"ts": 0, "type": "BOGUS"}'), "unknown type BOGUS"),  # the last key counts
    (with_field("huge", "9" * 5000), None),
    (with_field("huge", "-1" + "0" * 5000 + "e-400"), None),
])
def test_verdicts(value, reason):
    assert canal.dead_letter_reason(value, COLUMNS) == reason


def test_ddl_is_not_applied_and_a_valid_message_is():
    assert canal.judge(message(isDdl=True, type="QUERY", data=None), COLUMNS) == canal.DDL
    assert canal.judge(message("DELETE"), COLUMNS) == canal.APPLIED


def test_a_message_as_bytes_is_judged_as_its_text_when_it_is_utf8():
    assert canal.judge(message().encode(), COLUMNS) == canal.judge(message(), COLUMNS) == canal.APPLIED
    assert canal.dead_letter_reason(b"", COLUMNS) == "empty message"


def test_the_end_to_end_tests_hostile_messages_are_neither_applied_nor_all_alike():
    values = canal.hostile_messages("user_info", ids=[7, 8], count=1000, seed=3)
    columns = canal.source_table_columns("user_info")
    verdicts = [canal.judge(value, columns) for value in values]
    assert len(values) == 1000 and not any(verdict.applied for verdict in verdicts)
    assert len({verdict.reason for verdict in verdicts}) > 20
    assert values == canal.hostile_messages("user_info", ids=[7, 8], count=1000, seed=3)


def test_hostile_messages_are_all_dead_letters_or_ddl_of_every_kind_with_real_ids():
    ids = [11, 12, 13]
    values = canal.HostileMessages("order_info", COLUMNS, ids, random.Random(4)).take(3000)
    verdicts = [canal.judge(value, COLUMNS) for value in values]
    assert not any(verdict.applied for verdict in verdicts)
    reasons = {verdict.reason for verdict in verdicts}
    assert {None, "empty message", "invalid UTF-8", "nested too deep", "malformed JSON", "not a JSON object",
            "missing field type", "wrong type for type", "unknown type", "unknown type CREATE", "missing field data",
            "wrong type for data", "wrong type for old", "missing field old", "old does not match data",
            "not a row in data", "missing field id", "missing field id in old", "out of range for total_amount",
            "out of range for province_id", "wrong type for birthday", "wrong type for create_time",
            "out of range for create_time", "wrong type for id"} <= reasons
    with_real_ids = [value for value in values if value and any(f'"id":"{i}"'.encode() in value for i in ids)]
    assert len(with_real_ids) > 300


def test_columns_from_a_ddl_and_from_declarations():
    ddl = """-- a comment
    CREATE TABLE t (
      id    BIGINT,
      price DECIMAL(10, 2),
      at    TIMESTAMP(0),
      PRIMARY KEY (id) NOT ENFORCED
    ) WITH ('connector' = 'kafka')"""
    declared = ["id BIGINT NOT NULL", "price DECIMAL(10, 2)", "at TIMESTAMP(0)"]
    assert canal.source_columns(ddl) == canal.columns_of(declared)
    assert [column.kind for column in canal.source_columns(ddl)] == [("BIGINT", 0, 0), ("DECIMAL", 10, 2),
                                                                       ("TIMESTAMP", 0, 0)]


@pytest.mark.parametrize("job, source, view", DEAD_LETTER_VIEWS, ids=[view for _j, _s, view in DEAD_LETTER_VIEWS])
def test_each_dead_letter_view_declares_its_source_tables_columns(config, job, source, view):
    """The format judges a message by the source's physical row, the function by its arguments:
    the same columns, types and NOT NULL, or the two would disagree."""
    parameters = jobs.sql_parameters(config, job)
    view_sql = next(stmt for stmt in jobs.view_ddl(job, parameters) if f"VIEW {view} AS" in stmt)
    arguments = re.search(r"canal_message_error\(line,(.*?)\) AS reason", view_sql, re.DOTALL).group(1)
    declared = re.findall(r"'([^']*)'", arguments)
    columns = canal.source_columns(flink_sql.source_ddl(job, config, source))
    assert declared == [column.declaration for column in columns]
    assert canal.table_columns(source) == columns


def test_the_sale_detail_jobs_orders_are_read_by_the_gmv_jobs_columns():
    """The GMV job reports order_info's dead letters: the sale-detail job must skip exactly those."""
    assert canal.table_columns("order_info_versions") == canal.table_columns("order_info_source")
