"""`gmall-rt backfill` on the pipeline's outputs: one day's report rows, Phoenix rows and documents
corrupted, the day backfilled, and the outputs equal the oracle again; the other days untouched,
the staging outputs gone."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from elasticsearch import helpers

from gmall_rt import clients
from gmall_rt import reference as oracle
from testkit import isolation
from tests.e2e.conftest import report

BACKFILLED = ("dau", "gmv", "alert", "sale-detail")


def report_rows(config, table: str, columns: str) -> dict:
    with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cursor:
        cursor.execute(f"SELECT dt, hr, {columns} FROM {table}")
        return {(dt, hr): tuple(values) for dt, hr, *values in cursor.fetchall()}


def phoenix_rows(config, query: str, key: str) -> dict:
    with clients.phoenix(config) as conn:
        cursor = conn.cursor()
        cursor.execute(query)
        names = [column[0] for column in cursor.description]
        return {row[names.index(key)] if key != "LOGDATE,MID" else (row[0], row[1]): dict(zip(names, row))
                for row in cursor.fetchall()}


def documents(config, family_key: str) -> dict[str, dict]:
    es = clients.elasticsearch(config)
    alias = getattr(config.elasticsearch, family_key)
    es.indices.refresh(index=alias)
    return {hit["_id"]: hit["_source"] for hit in helpers.scan(es, index=alias, query={"query": {"match_all": {}}})}


def decimals(doc: dict) -> dict:
    return {**doc, **{field: None if doc[field] is None else Decimal(str(doc[field]))
                      for field in ("sku_price", "total_amount")}}


class Outputs:
    """Every output of the jobs that backfill replaces, as the stores hold them now."""

    def __init__(self, config):
        dau_table, order_table = config.hbase.dau_table, config.hbase.order_info_table
        self.dau_hour = report_rows(config, "dau_hour", "dau")
        self.gmv_hour = report_rows(config, "gmv_hour", "gmv, order_count")
        self.dau_rows = phoenix_rows(config, f"SELECT LOGDATE, MID, UID, LOGHOUR, TS FROM {dau_table}", "LOGDATE,MID")
        self.order_rows = phoenix_rows(config, f"SELECT ID, CREATE_DATE, TOTAL_AMOUNT, ORDER_STATUS FROM {order_table}",
                                       "ID")
        self.alerts = documents(config, "coupon_alert_index")
        self.details = {doc_id: decimals(doc) for doc_id, doc in documents(config, "sale_detail_index").items()}

    def of_day(self, day: datetime.date) -> dict:
        text = day.isoformat()
        return {
            "dau_hour": {k: v for k, v in self.dau_hour.items() if k[0] == day},
            "gmv_hour": {k: v for k, v in self.gmv_hour.items() if k[0] == day},
            "dau_rows": {k: v for k, v in self.dau_rows.items() if k[0] == text},
            "order_rows": {k: v for k, v in self.order_rows.items() if v["CREATE_DATE"] == text},
            "alerts": {k: v for k, v in self.alerts.items() if v["window_end"][:10] == text},
            "details": {k: v for k, v in self.details.items() if v["dt"] == text},
        }


def expected_of_day(pipeline, day: datetime.date) -> dict:
    """The oracle's outputs of ``day``, in the shapes :class:`Outputs` reads."""
    zone, screened, source = pipeline.config.time.zone, pipeline.screened, pipeline.source
    text = day.isoformat()
    dau_rows = oracle.dau_rows(screened.start_records, zone)
    orders = oracle.order_info_rows(source.order_info)
    return {
        "dau_hour": {k: (v,) for k, v in oracle.dau_by_hour(screened.start_records, zone).items() if k[0] == day},
        "gmv_hour": {k: v for k, v in oracle.gmv_by_hour(source.order_info).items() if k[0] == day},
        "dau_rows": {(text, mid): {"LOGDATE": text, "MID": mid, "UID": row["UID"], "LOGHOUR": row["LOGHOUR"],
                                   "TS": row["TS"]}
                     for (d, mid), row in dau_rows.items() if d == day},
        "order_rows": {order_id: {"ID": order_id, "CREATE_DATE": row["CREATE_DATE"],
                                  "TOTAL_AMOUNT": row["TOTAL_AMOUNT"], "ORDER_STATUS": row["ORDER_STATUS"] or None}
                       for order_id, row in orders.items() if row["CREATE_DATE"] == text},
        "alerts": {k: v for k, v in oracle.coupon_alerts(screened.event_records, zone).items()
                   if v["window_end"][:10] == text},
        "details": {k: v for k, v in oracle.purchase_detail_docs(source.order_info, source.order_detail,
                                                                 source.user_info).items() if v["dt"] == text},
    }


def corrupt(config, day: datetime.date, outputs: Outputs) -> None:
    """Change, remove and add rows and documents of ``day`` in every output backfill replaces but
    GMALL_ORDER_INFO: a write through Phoenix carries the time of writing as its cell version,
    which hides the job's rows (versioned by create_time) for good; the backfill rewrites that
    table as the job does, and it must come out as the oracle's all the same."""
    text = day.isoformat()
    today = outputs.of_day(day)
    with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cursor:
        (first_dt, first_hr), (second_dt, second_hr) = sorted(today["dau_hour"])[:2]
        cursor.execute("UPDATE dau_hour SET dau = dau + 7 WHERE dt = %s AND hr = %s", (first_dt, first_hr))
        cursor.execute("DELETE FROM dau_hour WHERE dt = %s AND hr = %s", (second_dt, second_hr))
        dt, hr = sorted(today["gmv_hour"])[0]
        cursor.execute("UPDATE gmv_hour SET gmv = gmv + 1, order_count = order_count + 1 WHERE dt = %s AND hr = %s",
                       (dt, hr))
    with clients.phoenix(config) as conn:
        cursor = conn.cursor()
        dau_table = config.hbase.dau_table
        first, second = sorted(today["dau_rows"])[:2]
        cursor.execute(f"DELETE FROM {dau_table} WHERE LOGDATE = ? AND MID = ?", first)
        cursor.execute(f"UPSERT INTO {dau_table} (LOGDATE, MID, UID) VALUES (?, ?, ?)", (*second, "uid_forged"))
        cursor.execute(f"UPSERT INTO {dau_table} (LOGDATE, MID, UID, LOGHOUR) VALUES (?, ?, ?, ?)",
                       (text, "mid_forged", "uid_forged", 3))
        cursor.close()
    es = clients.elasticsearch(config)
    for family_key, kind in (("coupon_alert_index", "alerts"), ("sale_detail_index", "details")):
        index = f"{getattr(config.elasticsearch, family_key)}-{text}"
        first_id, second_id = sorted(today[kind])[:2]
        es.delete(index=index, id=first_id)
        es.update(index=index, id=second_id, body={"doc": {"mid" if kind == "alerts" else "sku_name": "forged"}})
        es.index(index=index, id="forged", body={**today[kind][second_id], "mid" if kind == "alerts" else "sku_name": "x"})
        es.indices.refresh(index=index)


@pytest.fixture(scope="module")
def backfilled(pipeline):
    config = pipeline.config
    zone = ZoneInfo(config.time.zone)
    today = datetime.datetime.now(zone).date()
    devices = Counter(dt for dt, _mid in oracle.dau_rows(pipeline.screened.start_records, config.time.zone))
    # the mock's first day: whole, and over
    day = max((dt for dt in devices if dt < today), key=devices.__getitem__)
    before = Outputs(config)
    corrupt(config, day, before)
    corrupted = Outputs(config)
    command = [sys.executable, "-m", "gmall_rt.cli", "backfill", "--date", day.isoformat(), *BACKFILLED]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200,
                            env={**os.environ, **isolation.environment(config)})
    report(f"e2e: backfill of {day}: {result.stdout.strip().splitlines()[0] if result.stdout.strip() else ''}")
    return day, before, corrupted, Outputs(config), result


def test_backfill_succeeds_and_summarises_what_it_replaced(backfilled):
    day, _before, _corrupted, _after, result = backfilled
    assert result.returncode == 0, result.stderr
    assert f"backfill: {day} replaced in" in result.stdout
    assert "records read" in result.stderr  # progress


def test_the_corrupted_day_is_recomputed_to_the_oracles_outputs(pipeline, backfilled):
    day, before, corrupted, after, result = backfilled
    assert result.returncode == 0, result.stderr
    want = expected_of_day(pipeline, day)
    assert all(corrupted.of_day(day)[output] != want[output] for output in want if output != "order_rows"), \
        "every output but GMALL_ORDER_INFO was corrupted"
    got = after.of_day(day)
    for output in want:
        assert got[output] == want[output], output


def test_other_days_are_untouched(backfilled):
    day, before, _corrupted, after, _result = backfilled
    others = {
        "dau_hour": lambda o: {k: v for k, v in o.dau_hour.items() if k[0] != day},
        "gmv_hour": lambda o: {k: v for k, v in o.gmv_hour.items() if k[0] != day},
        "dau_rows": lambda o: {k: v for k, v in o.dau_rows.items() if k[0] != day.isoformat()},
        "alerts": lambda o: {k: v for k, v in o.alerts.items() if v["window_end"][:10] != day.isoformat()},
        "details": lambda o: {k: v for k, v in o.details.items() if v["dt"] != day.isoformat()},
    }
    for output, select in others.items():
        assert select(after) == select(before), output
        assert select(before), f"{output}: the run has other days too"


def test_no_staging_output_is_left(pipeline, backfilled):
    config = pipeline.config
    with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cursor:
        cursor.execute("SHOW DATABASES LIKE %s", (f"{config.mariadb.report_database}\\_backfill%",))
        assert cursor.fetchall() == ()
    with clients.phoenix(config) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT DISTINCT TABLE_NAME FROM SYSTEM.CATALOG WHERE TABLE_NAME LIKE ?",
                       (f"{config.hbase.dau_table}_BACKFILL%",))
        assert cursor.fetchall() == []
    es = clients.elasticsearch(config)
    assert not es.indices.get(index=f"{config.elasticsearch.coupon_alert_index}_backfill*,"
                                     f"{config.elasticsearch.sale_detail_index}_backfill*")
    es_alias = config.elasticsearch.coupon_alert_index
    assert all(index.startswith(f"{es_alias}-") for index in es.indices.get_alias(name=es_alias))
