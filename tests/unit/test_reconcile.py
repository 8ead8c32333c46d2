"""`gmall-rt reconcile` without a stack: the comparison per output and hour, the expected outputs of
a day from small inputs, the printed table and JSON document, and the exit status."""

import datetime
import io
import json
from decimal import Decimal

import pytest

from gmall_rt import cli, reconcile, reference, schema
from gmall_rt.config import Config

SHANGHAI = "Asia/Shanghai"
DAY = datetime.date(2025, 11, 21)
# 2025-11-21 00:00:00 in Asia/Shanghai
MIDNIGHT = 1763654400000
MINUTE = 60_000
HOUR = 60 * MINUTE


def diff_of(diffs, hour):
    return next(d for d in diffs if d.hour == hour)


def figures(diffs):
    """The hours that differ: hour -> (expected, actual, missing, extra, changed)."""
    return {d.hour: (d.expected, d.actual, d.missing, d.extra, d.changed) for d in diffs if d.differs}


ROWS = {"mid_1": (3, {"MID": "mid_1", "LOGHOUR": 3, "UID": "7"}),
        "mid_2": (3, {"MID": "mid_2", "LOGHOUR": 3, "UID": "8"}),
        "mid_3": (17, {"MID": "mid_3", "LOGHOUR": 17, "UID": "9"})}


def test_a_clean_day_has_24_hours_and_no_difference():
    diffs = reconcile.compare("dau_table", ROWS, dict(ROWS))
    assert [d.hour for d in diffs] == list(range(24))
    assert not any(d.differs for d in diffs)
    assert (diff_of(diffs, 3).expected, diff_of(diffs, 3).actual) == (2, 2)


def test_a_missing_row_counts_in_its_hour():
    actual = {k: v for k, v in ROWS.items() if k != "mid_3"}
    assert figures(reconcile.compare("dau_table", ROWS, actual)) == {17: (1, 0, 1, 0, 0)}


def test_an_extra_row_counts_in_its_own_hour():
    actual = {**ROWS, "mid_4": (22, {"MID": "mid_4", "LOGHOUR": 22, "UID": "1"})}
    assert figures(reconcile.compare("dau_table", ROWS, actual)) == {22: (0, 1, 0, 1, 0)}


def test_a_changed_value_counts_in_its_hour():
    actual = {**ROWS, "mid_2": (3, {"MID": "mid_2", "LOGHOUR": 3, "UID": "other"})}
    assert figures(reconcile.compare("dau_table", ROWS, actual)) == {3: (2, 2, 0, 0, 1)}


def test_a_row_in_the_wrong_hour_is_changed_and_shows_in_both_hours():
    actual = {**ROWS, "mid_3": (18, {"MID": "mid_3", "LOGHOUR": 18, "UID": "9"})}
    assert figures(reconcile.compare("dau_table", ROWS, actual)) == {17: (1, 0, 0, 0, 1), 18: (0, 1, 0, 0, 0)}


def test_a_row_without_a_readable_hour_counts_in_its_expected_hour_or_hour_0():
    actual = {**ROWS, "mid_3": (None, {"MID": "mid_3", "LOGHOUR": None, "UID": "9"}),
              "mid_9": (None, {"MID": "mid_9", "LOGHOUR": None})}
    assert figures(reconcile.compare("dau_table", ROWS, actual)) == {17: (1, 1, 0, 0, 1), 0: (0, 1, 0, 1, 0)}


def test_the_report_tables_measure_their_own_figures():
    expected = {3: (3, 120), 4: (4, 80)}
    assert figures(reconcile.compare("dau_hour", expected, {3: (3, 119), 4: (4, 80)})) == {3: (120, 119, 0, 0, 1)}
    # the same dau moved from one hour to the next
    assert figures(reconcile.compare("dau_hour", {3: (3, 5)}, {4: (4, 5)})) == {3: (5, 0, 1, 0, 0), 4: (0, 5, 0, 1, 0)}
    gmv = {9: (9, (Decimal("100.50"), 2))}
    # an order count that differs alone is a change, the GMV being the same
    assert figures(reconcile.compare("gmv_hour", gmv, {9: (9, (Decimal("100.5"), 3))})) == {
        9: (Decimal("100.50"), Decimal("100.5"), 0, 0, 1)}
    assert not any(d.differs for d in reconcile.compare("gmv_hour", gmv, {9: (9, (Decimal("100.5"), 2))}))


# ---------------------------------------------------------------------------------------------
# The expected outputs of a day


def start(mid, ts, **fields):
    return {"type": "startup", "mid": mid, "uid": "1", "appid": "gmall2020", "area": "beijing", "os": "ios",
            "ch": "appstore", "vs": "1.0", "ts": ts, **fields}


def coupon(mid, uid, ts):
    return {"type": "event", "mid": mid, "uid": uid, "appid": "gmall2020", "area": "beijing", "os": "ios",
            "evid": "coupon", "pgid": "1", "npgid": "2", "itemid": "31", "ts": ts}


def order(order_id, created, amount="10.00", user_id=1, **fields):
    return {"id": order_id, "consignee": "x", "consignee_tel": "13812345678", "total_amount": Decimal(amount),
            "order_status": "1001", "user_id": user_id, "payment_way": "1", "delivery_address": "",
            "order_comment": "", "out_trade_no": "", "trade_body": "", "create_time": created,
            "operate_time": None, "expire_time": None, "tracking_no": "", "parent_order_id": None,
            "img_url": "", "province_id": 1, **fields}


def inputs():
    starts = [start("mid_1", MIDNIGHT - 30 * MINUTE),  # the day before
              start("mid_1", MIDNIGHT + 2 * HOUR + 5, area=""),
              start("mid_2", MIDNIGHT + 23 * HOUR + 59 * MINUTE),
              start("mid_2", MIDNIGHT + 24 * HOUR)]  # the day after
    # three uids on one device at 23:58: the windows ending 00:00 to 00:03 alert on DAY, the one
    # ending 23:59 the day before
    events = [coupon("mid_9", str(uid), MIDNIGHT - 2 * MINUTE + uid * 1000) for uid in (1, 2, 3)]
    screened = reference.screen_logs([json.dumps(s) for s in starts], [json.dumps(e) for e in events], 10_000)
    at = datetime.datetime.combine
    source = reference.SourceState(
        user_info=[{"id": 1, "gender": "F", "birthday": datetime.date(2000, 1, 1), "user_level": "2"}],
        order_info=[order(1, at(DAY, datetime.time(8, 30)), "10.50"), order(2, at(DAY, datetime.time(8, 59)), "4.50"),
                    order(3, at(DAY - datetime.timedelta(days=1), datetime.time(23, 59)))],
        order_detail=[{"id": 11, "order_id": 1, "sku_id": 5, "sku_name": "小米", "order_price": Decimal("10.50"),
                       "sku_num": "1"},
                      {"id": 13, "order_id": 3, "sku_id": 5, "sku_name": "小米", "order_price": Decimal("10.00"),
                       "sku_num": "1"}])
    return reconcile.Inputs(screened, source)


def test_the_expected_outputs_are_the_days_own():
    expected = reconcile.expected_outputs(inputs(), DAY, SHANGHAI)
    assert set(expected) == set(reconcile.OUTPUTS)
    assert expected["dau_hour"] == {2: (2, 1), 23: (23, 1)}
    assert expected["gmv_hour"] == {8: (8, (Decimal("15.00"), 2))}
    assert {mid: hour for mid, (hour, _row) in expected["dau_table"].items()} == {"mid_1": 2, "mid_2": 23}
    # Phoenix reads an empty string as NULL: the expected row says so too
    assert expected["dau_table"]["mid_1"][1]["AREA"] is None
    assert expected["dau_table"]["mid_1"][1]["LOGDATE"] == DAY.isoformat()
    assert {order_id: hour for order_id, (hour, _row) in expected["order_info_table"].items()} == {1: 8, 2: 8}
    assert expected["order_info_table"][1][1]["CONSIGNEE_TEL"] == "138****5678"
    assert expected["order_info_table"][1][1]["TRADE_BODY"] is None
    assert sorted(expected["coupon_alert"]) == [f"mid_9_2025-11-21_00:0{n}" for n in range(4)]
    assert {hour for hour, _doc in expected["coupon_alert"].values()} == {0}
    assert {doc_id: hour for doc_id, (hour, _doc) in expected["sale_detail"].items()} == {"11": 8}


def test_a_sale_detail_document_read_back_equals_the_reference_one():
    want = reconcile.expected_outputs(inputs(), DAY, SHANGHAI)["sale_detail"]["11"][1]
    # as Elasticsearch gives the document back: the amounts as doubles
    source = {**want, "sku_price": 10.5, "total_amount": 10.5}
    assert reconcile._sale_detail_doc(source) == want


# ---------------------------------------------------------------------------------------------
# What is printed, kept and returned


CHECKED_AT = datetime.datetime(2025, 11, 22, 8, 0, 1, 123000)


def a_check(actual_change=None):
    expected = reconcile.expected_outputs(inputs(), DAY, SHANGHAI)
    actual = {output: dict(keyed) for output, keyed in expected.items()}
    if actual_change:
        actual_change(actual)
    return reconcile.Check(DAY, CHECKED_AT, reconcile.compare_all(expected, actual))


def corrupt(actual):
    actual["dau_hour"][23] = (23, 2)
    del actual["sale_detail"]["11"]


def test_a_clean_day_prints_one_line_per_output():
    check = a_check()
    assert check.clean and check.exit_status == 0 and len(check.hours) == 24 * len(reconcile.OUTPUTS)
    lines = reconcile.render_text(check).splitlines()
    assert lines[0] == "reconcile 2025-11-21, checked 2025-11-22 08:00:01"
    assert lines[1:] == ["dau_hour: no differences (2 devices)", "gmv_hour: no differences (15.00 GMV)",
                         "dau_table: no differences (2 rows)", "order_info_table: no differences (2 rows)",
                         "coupon_alert: no differences (4 documents)", "sale_detail: no differences (1 documents)"]


def test_differences_print_the_hours_that_differ_then_each_output():
    check = a_check(corrupt)
    assert not check.clean and check.exit_status == 1
    lines = reconcile.render_text(check).splitlines()
    assert lines[1].split() == ["OUTPUT", "HOUR", "EXPECTED", "ACTUAL", "MISSING", "EXTRA", "CHANGED"]
    assert [line.split() for line in lines[2:4]] == [["dau_hour", "23", "1", "2", "0", "0", "1"],
                                                     ["sale_detail", "08", "1", "0", "1", "0", "0"]]
    assert lines[4] == "dau_hour: differences in 1 hour: 0 missing, 0 extra, 1 changed (devices: expected 2, actual 3)"
    assert "gmv_hour: no differences (15.00 GMV)" in lines
    assert lines[-1] == ("sale_detail: differences in 1 hour: 1 missing, 0 extra, 0 changed "
                         "(documents: expected 1, actual 0)")


def test_the_json_document():
    document = json.loads(json.dumps(a_check(corrupt).as_json()))
    assert document["date"] == "2025-11-21" and document["checked_at"] == "2025-11-22T08:00:01.123"
    assert document["clean"] is False and list(document["outputs"]) == list(reconcile.OUTPUTS)
    assert document["outputs"]["dau_hour"] == {
        "clean": False, "unit": "devices", "expected": 2, "actual": 3, "missing": 0, "extra": 0, "changed": 1,
        "hours": [{"hour": 23, "expected": 1, "actual": 2, "missing": 0, "extra": 0, "changed": 1}]}
    assert document["outputs"]["gmv_hour"]["expected"] == "15.00" and document["outputs"]["gmv_hour"]["clean"]
    assert document["outputs"]["gmv_hour"]["hours"] == []


@pytest.fixture
def offline(monkeypatch):
    """reconcile.run with the outputs read from memory and the checks kept in a list."""
    expected = reconcile.expected_outputs(inputs(), DAY, SHANGHAI)
    actual = {output: dict(keyed) for output, keyed in expected.items()}
    kept = []
    monkeypatch.setattr(reconcile, "actual_outputs", lambda config, day: actual)
    monkeypatch.setattr(reconcile, "save", lambda config, check: kept.append(check))
    return actual, kept


def test_run_keeps_the_check_prints_one_json_document_and_progress_apart(offline, capsys):
    actual, kept = offline
    corrupt(actual)
    check = reconcile.run(Config(), DAY, as_json=True, inputs=inputs())
    out, err = capsys.readouterr()
    assert check.exit_status == 1 and kept == [check]
    assert json.loads(out) == json.loads(json.dumps(check.as_json()))
    assert err.splitlines() == ["reading the outputs of 2025-11-21"]


def test_run_on_a_clean_day(offline):
    _actual, kept = offline
    out = io.StringIO()
    check = reconcile.run(Config(), DAY, out=out, inputs=inputs(), progress=lambda line: None)
    assert check.exit_status == 0 and kept == [check]
    assert out.getvalue().count("no differences") == len(reconcile.OUTPUTS)


@pytest.mark.parametrize("text", ["2025-13-01", "20251121", "2025-W47-5", "yesterday", ""])
def test_a_bad_date_is_one_line_and_exit_2_before_any_connection(text, capsys):
    assert cli.main(["reconcile", "--date", text]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == [
        f"gmall-rt: error: --date {text!r} is not a date; give it as yyyy-MM-dd, e.g. 2026-11-20"]


def test_the_reconciliation_table_takes_every_column_the_check_writes():
    text = schema.REPORT_TABLES_FILE.read_text()
    table = text[text.index("CREATE TABLE IF NOT EXISTS reconciliation"):]
    columns = reconcile.INSERT[reconcile.INSERT.index("(") + 1:reconcile.INSERT.index(")")].split(", ")
    for column in columns:
        assert f"\n  {column} " in table, column
    assert "PRIMARY KEY (checked_at, dt, output_name, hr)" in table
