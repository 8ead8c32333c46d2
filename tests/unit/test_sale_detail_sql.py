"""The sale-detail job's SQL (sql/sale_detail) on in-memory Canal changelogs, against the oracle.

The user look-up (the Java function ``lookup_user``, reading Redis, then MariaDB, in production) is
replaced by a Python function over a dict with the same signature and result, so these tests need
no services. The arrival-order tests feed each source from a watched directory and write the three
tables' messages one table at a time, waiting for the job after each, so the join meets its inputs
in exactly the order chosen.
"""

from __future__ import annotations

import datetime
import itertools
import json
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from pyflink.common import RowKind
from pyflink.table import DataTypes
from pyflink.table.udf import udf

from flink_jobs import jobs, sale_detail
from gmall_rt import reference as oracle
from tests.unit import flink_sql

DOC_FIELDS = ("order_detail_id", "order_id", "order_status", "create_time", "dt", "user_id", "user_gender",
              "user_age", "user_level", "sku_id", "sku_name", "sku_price", "sku_num", "province_id",
              "total_amount")
SOURCES = ("order_info_versions", "order_detail_versions", "user_info_source")
TABLE_OF = {"order_info": "order_info_versions", "order_detail": "order_detail_versions",
            "user_info": "user_info_source"}


class Changelog:
    """Row changes of the gmall tables as Canal publishes them (full rows, the old values of an
    update), and the tables' final state as the oracle reads it from MariaDB."""

    def __init__(self):
        self.state = {table: {} for table in TABLE_OF}
        self.messages = {table: [] for table in TABLE_OF}

    def apply(self, table: str, action: str, row: dict) -> str | None:
        rows = self.state[table]
        if action != "insert" and row["id"] not in rows:
            return None  # MariaDB changes no row, so Canal publishes nothing
        if action == "insert":
            rows[row["id"]] = dict(row)
            message = flink_sql.canal_message("INSERT", table, row)
        elif action == "update":
            before = rows[row["id"]]
            after = {**before, **row}
            old = {k: before.get(k) for k in row if k != "id" and before.get(k) != row[k]}
            rows[row["id"]] = after
            message = flink_sql.canal_message("UPDATE", table, after, old)
        else:
            message = flink_sql.canal_message("DELETE", table, rows.pop(row["id"]))
        self.messages[table].append(message)
        return message

    def docs(self) -> dict:
        return oracle.purchase_detail_docs(self.state["order_info"].values(),
                                           self.state["order_detail"].values(),
                                           self.state["user_info"].values())


def in_memory_lookup(users: dict):
    """``lookup_user(user_id, known)`` over a dict of users by id: NULL for a known user, else the
    user's gender, birthday and user level as JSON (NULL for a user not in the dict)."""

    def as_json(user: dict) -> str:
        return json.dumps({name: None if user.get(name) is None else str(user[name])
                           for name in ("gender", "birthday", "user_level")}, separators=(",", ":"))

    def lookup(user_ids: pd.Series, known: pd.Series) -> pd.Series:
        return pd.Series([None if k or u is None or u != u or int(u) not in users else as_json(users[int(u)])
                          for u, k in zip(user_ids.tolist(), known.tolist())], dtype=object)

    return udf(lookup, result_type=DataTypes.STRING(), func_type="pandas", deterministic=False)


def as_oracle_doc(row: dict) -> dict:
    doc = {field: row[field] for field in DOC_FIELDS}
    doc["dt"] = None if doc["dt"] is None else doc["dt"].isoformat()
    return doc


def user(user_id, gender="F", birthday=datetime.date(2000, 2, 29), level="3", **extra):
    return {"id": user_id, "login_name": f"u{user_id}", "nick_name": f"n{user_id}", "passwd": None, "name": "张三",
            "phone_num": "13800000000", "email": None, "head_img": None, "user_level": level,
            "birthday": birthday, "gender": gender, "create_time": datetime.datetime(2025, 1, 1, 8, 0, 0),
            "operate_time": datetime.datetime(2025, 1, 1, 8, 0, 0), **extra}


def order(order_id, user_id, created=datetime.datetime(2026, 11, 20, 10, 30, 5), status="1001",
          amount=Decimal("2798.00")):
    return {"id": order_id, "consignee": "李四", "consignee_tel": "13912345678", "total_amount": amount,
            "order_status": status, "user_id": user_id, "payment_way": "1101", "delivery_address": "第1大街",
            "order_comment": None, "out_trade_no": "1", "trade_body": "x", "create_time": created,
            "operate_time": created, "expire_time": None, "tracking_no": None, "parent_order_id": None,
            "img_url": None, "province_id": 7}


def line(detail_id, order_id, sku_name="小米手机 Redmi K30", price=Decimal("1399.00"), num="2"):
    return {"id": detail_id, "order_id": order_id, "sku_id": 2, "sku_name": sku_name, "img_url": None,
            "order_price": price, "sku_num": num, "create_time": datetime.datetime(2026, 11, 20, 10, 30, 5)}


# ---------------------------------------------------------------------------------------------
# Bounded runs: every source read from a file, the final documents compared with the oracle


def run_bounded(config, changelog: Changelog, lookup_users: dict, tmp_path) -> dict:
    """The documents: each line's final row that has one."""
    rows = final_lines(config, changelog, lookup_users, tmp_path)
    return {str(key[0]): as_oracle_doc(row) for key, row in rows.items() if row["has_document"]}


def final_lines(config, changelog: Changelog, lookup_users: dict, tmp_path) -> dict:
    """Each order line's final row of ``sale_details``, with or without a document."""
    t_env = flink_sql.table_env(config)
    for table, source in TABLE_OF.items():
        flink_sql.register_source(t_env, sale_detail.JOB, config, source, changelog.messages[table], tmp_path)
    flink_sql.register_source(t_env, sale_detail.JOB, config, "order_detail_messages", [], tmp_path)
    t_env.create_temporary_system_function("lookup_user", in_memory_lookup(lookup_users))
    jobs.register_views(t_env, sale_detail.JOB, jobs.sql_parameters(config, sale_detail.JOB))
    return flink_sql.final_rows(t_env, f"SELECT {', '.join(DOC_FIELDS)}, has_document FROM sale_details",
                                key=("order_detail_id",))


def test_documents_follow_orders_lines_and_users_to_their_final_state(config, tmp_path):
    log = Changelog()
    log.apply("user_info", "insert", user(1, gender="M", birthday=datetime.date(1990, 11, 21)))
    log.apply("user_info", "insert", user(2))
    for n in range(1, 5):
        log.apply("order_info", "insert", order(n, user_id=1 if n % 2 else 2))
        log.apply("order_detail", "insert", line(10 * n, n))
        log.apply("order_detail", "insert", line(10 * n + 1, n, sku_name='索芙特 "持久" 口红', num="two"))
    log.apply("order_info", "update", {"id": 1, "order_status": "1002"})
    log.apply("order_info", "update", {"id": 2, "total_amount": Decimal("2518.20")})
    log.apply("user_info", "update", {"id": 1, "user_level": "5", "nick_name": "v2"})
    log.apply("order_detail", "delete", {"id": 31})
    log.apply("order_detail", "delete", {"id": 40})
    log.apply("order_detail", "delete", {"id": 41})
    log.apply("order_info", "delete", {"id": 4})
    log.apply("order_info", "insert", order(5, user_id=99))  # a user that exists nowhere
    log.apply("order_detail", "insert", line(50, 5))
    log.apply("order_detail", "insert", line(60, 6))  # an order that never comes
    docs = run_bounded(config, log, {}, tmp_path)
    assert docs == log.docs()
    assert set(docs) == {"10", "11", "20", "21", "30"}
    assert docs["10"]["order_status"] == "1002" and docs["10"]["user_level"] == "5"
    assert docs["10"]["user_age"] == 35 and docs["20"]["user_age"] == 26  # the day before the 36th birthday
    assert docs["20"]["total_amount"] == Decimal("2518.20")
    assert docs["11"]["sku_num"] is None and docs["10"]["sku_num"] == 2
    assert docs["10"]["create_time"] == "2026-11-20 10:30:05" and docs["10"]["dt"] == "2026-11-20"


def test_a_line_whose_order_or_itself_is_gone_is_sent_as_no_document_in_its_orders_index(config, tmp_path):
    """A restored job can meet a line only after its order was deleted, or an order only after its
    line was: the line must still reach the sink, as no document in the index of the order's date,
    so that a document written before the restore does not outlive it."""
    log = Changelog()
    log.apply("user_info", "insert", user(1))
    log.apply("order_info", "insert", order(1, 1, created=datetime.datetime(2026, 11, 19, 23, 0, 0)))
    log.apply("order_info", "delete", {"id": 1})
    log.apply("order_detail", "insert", line(10, 1))
    log.apply("order_detail", "insert", line(20, 2))
    log.apply("order_detail", "delete", {"id": 20})
    log.apply("order_info", "insert", order(2, 1))
    log.apply("order_detail", "insert", line(30, 3))  # an order that never comes: no index to name
    log.apply("order_info", "insert", order(4, 99))  # a user that exists nowhere
    log.apply("order_detail", "insert", line(40, 4))
    rows = final_lines(config, log, {}, tmp_path)
    assert log.docs() == {}
    assert {key[0]: (row["has_document"], row["dt"]) for key, row in rows.items()} == {
        10: (False, datetime.date(2026, 11, 19)), 20: (False, datetime.date(2026, 11, 20)),
        40: (False, datetime.date(2026, 11, 20))}


def test_a_user_the_job_has_not_seen_is_looked_up(config, tmp_path):
    log = Changelog()
    log.apply("order_info", "insert", order(1, user_id=7))
    log.apply("order_detail", "insert", line(10, 1))
    known = {7: user(7, gender="M", birthday=datetime.date(2007, 11, 20), level="2")}
    docs = run_bounded(config, log, known, tmp_path)
    log.state["user_info"] = dict(known)
    assert docs == log.docs()
    assert (docs["10"]["user_gender"], docs["10"]["user_age"], docs["10"]["user_level"]) == ("M", 19, "2")


@pytest.mark.parametrize("birthday, created, age", [
    (datetime.date(2000, 2, 29), datetime.datetime(2026, 2, 28, 23, 59, 59), 25),  # Feb 29 comes on Mar 1
    (datetime.date(2000, 2, 29), datetime.datetime(2026, 3, 1, 0, 0, 0), 26),
    (datetime.date(2000, 2, 29), datetime.datetime(2028, 2, 29, 12, 0, 0), 28),
    (datetime.date(2006, 11, 20), datetime.datetime(2026, 11, 19, 23, 59, 59), 19),  # band: under 20
    (datetime.date(2006, 11, 20), datetime.datetime(2026, 11, 20, 0, 0, 0), 20),  # band: 20-29
    (datetime.date(1996, 11, 21), datetime.datetime(2026, 11, 20, 0, 0, 0), 29),
    (datetime.date(1996, 11, 20), datetime.datetime(2026, 11, 20, 0, 0, 0), 30),  # band: 30+
    (datetime.date(1996, 12, 31), datetime.datetime(2027, 1, 1, 0, 0, 0), 30),
    (None, datetime.datetime(2026, 11, 20, 0, 0, 0), None),  # no birthday: no age, band unknown
    (datetime.date(2030, 1, 1), datetime.datetime(2026, 11, 20, 0, 0, 0), -4),  # born after the order
])
def test_user_age_is_whole_years_on_the_order_date(config, tmp_path, birthday, created, age):
    log = Changelog()
    log.apply("user_info", "insert", user(1, birthday=birthday))
    log.apply("order_info", "insert", order(1, 1, created=created))
    log.apply("order_detail", "insert", line(10, 1))
    docs = run_bounded(config, log, {}, tmp_path)
    assert docs == log.docs()
    assert docs["10"]["user_age"] == age == oracle.age_on(birthday, created.date())


@pytest.mark.parametrize("seed", [3])
def test_a_generated_run_matches_the_oracle(config, tmp_path, seed):
    from gmall_rt.mock.generator import MockOptions, MockStream, RowChange

    start = int(datetime.datetime(2026, 11, 20, 8, tzinfo=datetime.timezone.utc).timestamp() * 1000)
    options = MockOptions(start_ms=start, end_ms=start + 3 * 3_600_000, count=6000, seed=seed, users=60,
                          devices=50, user_update_rate=0.5, order_delete_rate=0.1)
    log = Changelog()
    for item in MockStream(options):
        if isinstance(item, RowChange):
            log.apply(item.table, item.action, item.row)
    # the users as the dimension holds them: inserted users, before their updates
    first_seen = {row["id"]: dict(row) for row in log.state["user_info"].values()}
    docs = run_bounded(config, log, first_seen, tmp_path)
    expected = log.docs()
    assert len(expected) > 200
    assert docs == expected


# ---------------------------------------------------------------------------------------------
# Arrival order: the tables' messages reach the job one table at a time, in every order


class LiveJob:
    """The job's views on sources that watch a directory each, so messages written later reach
    the running job later; the changes of ``sale_details`` are folded as they come."""

    def __init__(self, config, root: Path, lookup_users: dict):
        self.t_env = flink_sql.table_env(config)
        self.dirs = {}
        for source in SOURCES:
            directory = root / source
            directory.mkdir()
            self.dirs[source] = directory
            ddl = flink_sql.source_ddl(sale_detail.JOB, config, source)
            options = (f") WITH ('connector' = 'filesystem', 'path' = '{directory.as_uri()}', "
                       f"{flink_sql.format_options(ddl)}, 'source.monitor-interval' = '100ms')")
            self.t_env.execute_sql(flink_sql._WITH_CLAUSE.sub(lambda _m: options, ddl))
        flink_sql.register_source(self.t_env, sale_detail.JOB, config, "order_detail_messages", [], root)
        self.t_env.create_temporary_system_function("lookup_user", in_memory_lookup(lookup_users))
        jobs.register_views(self.t_env, sale_detail.JOB, jobs.sql_parameters(config, sale_detail.JOB))
        self.docs: dict[str, dict] = {}
        self.changes = 0
        self.lock = threading.Condition()
        self.result = self.t_env.execute_sql(f"SELECT {', '.join(DOC_FIELDS)}, has_document FROM sale_details")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        try:
            with self.result.collect() as changes:
                for change in changes:
                    row = as_oracle_doc(dict(zip(DOC_FIELDS, change)))
                    with self.lock:
                        if change.get_row_kind() in (RowKind.INSERT, RowKind.UPDATE_AFTER) and change[-1]:
                            self.docs[str(row["order_detail_id"])] = row
                        else:
                            self.docs.pop(str(row["order_detail_id"]), None)
                        self.changes += 1
                        self.lock.notify_all()
        except Exception:  # the job was cancelled
            pass

    def send(self, source: str, messages: list[str]) -> None:
        name = uuid.uuid4().hex
        hidden = self.dirs[source] / f".{name}"  # files starting with a dot are not read
        hidden.write_text("".join(m + "\n" for m in messages), encoding="utf-8")
        hidden.rename(self.dirs[source] / f"{name}.json")

    def wait_for(self, expected: dict, timeout_s: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout_s
        with self.lock:
            while self.docs != expected and time.monotonic() < deadline:
                self.lock.wait(0.2)
            return dict(self.docs)

    def settle(self, quiet_s: float = 1.5) -> dict:
        """The documents once nothing has changed for ``quiet_s`` (after input that may change none)."""
        with self.lock:
            seen, since = self.changes, time.monotonic()
            while time.monotonic() - since < quiet_s:
                self.lock.wait(0.1)
                if self.changes != seen:
                    seen, since = self.changes, time.monotonic()
            return dict(self.docs)

    def cancel(self):
        try:
            self.result.get_job_client().cancel().result()
        except Exception:
            pass
        self.reader.join(10)


ARRIVALS = list(itertools.permutations(["order_detail", "order_info", "user_info"]))


@pytest.mark.parametrize("arrival", ARRIVALS, ids=["-".join(a) for a in ARRIVALS])
def test_every_arrival_order_ends_in_the_same_documents(config, tmp_path, arrival):
    log = Changelog()
    log.apply("user_info", "insert", user(1, gender="M", birthday=datetime.date(2006, 11, 20), level="1"))
    log.apply("order_info", "insert", order(1, user_id=1))
    log.apply("order_detail", "insert", line(10, 1))
    log.apply("order_detail", "insert", line(11, 1, sku_name="十月稻田 长粒香大米"))
    # what the Redis dimension says before the job sees the user: an older level
    dimension = {1: user(1, gender="M", birthday=datetime.date(2006, 11, 20), level="0")}
    job = LiveJob(config, tmp_path, dimension)
    try:
        arrived = set()
        for table in arrival:
            job.send(TABLE_OF[table], log.messages[table])
            arrived.add(table)
            if {"order_detail", "order_info"} <= arrived:
                seen = "user_info" in arrived
                expected = {doc_id: dict(doc, user_level="1" if seen else "0")
                            for doc_id, doc in log.docs().items()}
            else:
                expected = {}
            got = job.wait_for(expected) if expected else job.settle()
            assert got == expected, (arrival, table)
        # then the order is paid and the user changes level: both rewrite the documents
        job.send("order_info_versions", [log.apply("order_info", "update", {"id": 1, "order_status": "1002"})])
        job.send("user_info_source", [log.apply("user_info", "update", {"id": 1, "user_level": "4"})])
        assert job.wait_for(log.docs()) == log.docs()
        # a deleted line loses its document
        job.send("order_detail_versions", [log.apply("order_detail", "delete", {"id": 11})])
        assert job.wait_for(log.docs()) == log.docs() and set(log.docs()) == {"10"}
    finally:
        job.cancel()


def test_bad_order_detail_messages_are_dead_letters_with_their_reason(config, tmp_path):
    good = flink_sql.canal_message("INSERT", "order_detail", line(10, 1))
    bad_price = flink_sql.canal_message("INSERT", "order_detail", line(11, 1, price="12,50"))
    no_id = flink_sql.canal_message("INSERT", "order_detail", {k: v for k, v in line(12, 1).items() if k != "id"})
    lines = [good, '{"data": [', bad_price, no_id]
    t_env = flink_sql.table_env(config)
    flink_sql.register_source(t_env, sale_detail.JOB, config, "order_detail_messages", lines, tmp_path)
    for source in SOURCES:
        flink_sql.register_source(t_env, sale_detail.JOB, config, source, [], tmp_path)
    t_env.create_temporary_system_function("lookup_user", in_memory_lookup({}))
    jobs.register_views(t_env, sale_detail.JOB, jobs.sql_parameters(config, sale_detail.JOB))
    dead = flink_sql.all_rows(t_env, "SELECT source_topic, reason, `value` FROM order_detail_dead_letters")
    assert [(d["source_topic"], d["reason"], d["value"]) for d in dead] == [
        (config.topics.order_detail, "malformed JSON", '{"data": ['),
        (config.topics.order_detail, "wrong type for order_price", bad_price),
        (config.topics.order_detail, "missing field id", no_id),
    ]
