"""`gmall-rt reconcile` on the pipeline's outputs (conftest.py): every day of the run is clean; then
one day's outputs are corrupted — a dau_hour row changed, a GMALL_DAU row deleted, an alert document
deleted and a sale-detail document changed — and the check reports exactly those differences, each
in its hour, keeps them in the reconciliation table and shows them on the dashboard panel, through
the command as a user runs it too (exit 1, one JSON document). The corrupted rows and documents are
put back as they were, and the day is clean again, before the module ends.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys

import pytest

from gmall_rt import clients, reconcile
from testkit import isolation
from tests.e2e.test_grafana_panels import Datasources, Expected, panel

OUTPUT_COUNT = len(reconcile.OUTPUTS)


@pytest.fixture(scope="module")
def inputs(pipeline):
    """The topics and source tables read once for every check of the module."""
    return reconcile.read_inputs(pipeline.config, progress=print)


@pytest.fixture(scope="module")
def days(pipeline):
    days = Expected(pipeline).days
    assert days, "the mock run left nothing to check"
    return days


def differing(check: reconcile.Check) -> dict[str, dict[int, tuple]]:
    """Each output's hours that differ: hour -> (expected, actual, missing, extra, changed)."""
    found: dict[str, dict[int, tuple]] = {}
    for diff in check.differences():
        found.setdefault(diff.output, {})[diff.hour] = (diff.expected, diff.actual, diff.missing, diff.extra,
                                                        diff.changed)
    return found


def kept_rows(config, check: reconcile.Check) -> list[tuple]:
    with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT output_name, hr, missing, extra, changed FROM reconciliation "
                       "WHERE dt = %s AND checked_at = %s ORDER BY output_name, hr", (check.day, check.checked_at))
        return list(cursor.fetchall())


def test_every_day_of_the_run_is_clean_and_kept(pipeline, inputs, days):
    for day in days:
        out = io.StringIO()
        check = reconcile.run(pipeline.config, day, out=out, inputs=inputs)
        assert check.clean, out.getvalue()
        assert check.exit_status == 0
        assert out.getvalue().count("no differences") == OUTPUT_COUNT
        rows = kept_rows(pipeline.config, check)
        assert len(rows) == 24 * OUTPUT_COUNT and not any(missing or extra or changed for *_k, missing, extra, changed in rows)


def busiest_day(check_of, days):
    """The day whose outputs hold the most, with an alert and a sale-detail document."""
    def size(day):
        check = check_of(day)
        totals = {output: sum(d.expected for d in check.of(output)) for output in reconcile.OUTPUTS}
        return (totals["coupon_alert"] > 0 and totals["sale_detail"] > 0, totals["dau_table"])

    return max(days, key=size)


class Corruption:
    """One day's outputs, one key of four of them corrupted, and put back as they were."""

    def __init__(self, config, day: datetime.date, expected: dict):
        self.config, self.day, self.text = config, day, day.isoformat()
        es = clients.elasticsearch(config)
        # a dau_hour row, a GMALL_DAU row, an alert and a sale-detail document of the day, each in
        # its hour; the DAU row and the documents picked in other hours where there are any
        self.dau_hour_hr = min(expected["dau_hour"])
        self.dau_before = expected["dau_hour"][self.dau_hour_hr][1]
        self.mid, (self.mid_hour, _row) = max(expected["dau_table"].items(), key=lambda item: (item[1][0], item[0]))
        self.alert_id, (self.alert_hour, _doc) = max(expected["coupon_alert"].items())
        self.detail_id, (self.detail_hour, _doc) = min(expected["sale_detail"].items())
        self.alert_index = f"{config.elasticsearch.coupon_alert_index}-{self.text}"
        self.detail_index = f"{config.elasticsearch.sale_detail_index}-{self.text}"
        self.alert_source = es.get(index=self.alert_index, id=self.alert_id)["_source"]
        self.detail_source = es.get(index=self.detail_index, id=self.detail_id)["_source"]
        self.dau_columns = ["MID", "UID", "APPID", "AREA", "OS", "CH", "VS", "LOGDATE", "LOGHOUR", "TS"]
        with clients.phoenix(config) as conn:
            cursor = conn.cursor()
            cursor.execute(f"SELECT {', '.join(self.dau_columns)} FROM {config.hbase.dau_table} "
                           "WHERE LOGDATE = ? AND MID = ?", [self.text, self.mid])
            [self.dau_row] = cursor.fetchall()

    def corrupt(self) -> None:
        config, es = self.config, clients.elasticsearch(self.config)
        with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cursor:
            cursor.execute("UPDATE dau_hour SET dau = dau + 1 WHERE dt = %s AND hr = %s", (self.text, self.dau_hour_hr))
        with clients.phoenix(config) as conn:
            conn.cursor().execute(f"DELETE FROM {config.hbase.dau_table} WHERE LOGDATE = ? AND MID = ?",
                                  [self.text, self.mid])
        es.delete(index=self.alert_index, id=self.alert_id, refresh=True)
        es.update(index=self.detail_index, id=self.detail_id, body={"doc": {"order_status": "corrupted"}}, refresh=True)

    def put_back(self) -> None:
        config, es = self.config, clients.elasticsearch(self.config)
        with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cursor:
            cursor.execute("UPDATE dau_hour SET dau = %s WHERE dt = %s AND hr = %s",
                           (self.dau_before, self.text, self.dau_hour_hr))
        with clients.phoenix(config) as conn:
            conn.cursor().execute(f"UPSERT INTO {config.hbase.dau_table} ({', '.join(self.dau_columns)}) "
                                  f"VALUES ({', '.join('?' * len(self.dau_columns))})", list(self.dau_row))
        es.index(index=self.alert_index, id=self.alert_id, body=self.alert_source, refresh=True)
        es.index(index=self.detail_index, id=self.detail_id, body=self.detail_source, refresh=True)


@pytest.fixture(scope="module")
def corrupted(pipeline, inputs, days):
    """The busiest day of the run, corrupted while the tests below run, and its clean check before."""
    config = pipeline.config
    checks = {}

    def check_of(day):
        if day not in checks:
            checks[day] = reconcile.check_day(config, day, inputs, progress=print)
        return checks[day]

    day = busiest_day(check_of, days)
    assert check_of(day).clean, reconcile.render_text(check_of(day))
    expected = reconcile.expected_outputs(inputs, day, config.time.zone)
    assert expected["coupon_alert"] and expected["sale_detail"], f"{day}: no alert or no sale-detail document"
    corruption = Corruption(config, day, expected)
    corruption.corrupt()
    try:
        yield corruption, check_of(day)
    finally:
        corruption.put_back()
    again = reconcile.check_day(config, day, inputs, progress=print)
    assert again.clean, reconcile.render_text(again)


def want_differences(corruption: Corruption, clean: reconcile.Check) -> dict[str, dict[int, tuple]]:
    """What the corruption must show, from the day's clean check."""
    def count(output, hour):
        return next(d.expected for d in clean.of(output) if d.hour == hour)

    c = corruption
    return {
        "dau_hour": {c.dau_hour_hr: (c.dau_before, c.dau_before + 1, 0, 0, 1)},
        "dau_table": {c.mid_hour: (count("dau_table", c.mid_hour), count("dau_table", c.mid_hour) - 1, 1, 0, 0)},
        "coupon_alert": {c.alert_hour: (count("coupon_alert", c.alert_hour), count("coupon_alert", c.alert_hour) - 1,
                                        1, 0, 0)},
        "sale_detail": {c.detail_hour: (count("sale_detail", c.detail_hour), count("sale_detail", c.detail_hour),
                                        0, 0, 1)},
    }


def test_the_corrupted_day_shows_exactly_its_differences_in_their_hours_and_keeps_them(pipeline, inputs, corrupted):
    corruption, clean = corrupted
    out = io.StringIO()
    check = reconcile.run(pipeline.config, corruption.day, out=out, inputs=inputs)
    assert check.exit_status == 1
    assert differing(check) == want_differences(corruption, clean)
    text = out.getvalue()
    assert "gmv_hour: no differences" in text and "order_info_table: no differences" in text
    assert "dau_table: differences in 1 hour: 1 missing, 0 extra, 0 changed" in text
    kept = {(output, hour): (missing, extra, changed) for output, hour, missing, extra, changed
            in kept_rows(pipeline.config, check) if missing or extra or changed}
    assert kept == {(output, hour): figures[2:] for output, hours in differing(check).items()
                    for hour, figures in hours.items()}


def test_the_panel_shows_the_latest_check_of_the_corrupted_day(pipeline, inputs, corrupted):
    corruption, _clean = corrupted
    check = reconcile.check_day(pipeline.config, corruption.day, inputs, progress=print)
    rows = Datasources(pipeline.config).sql(panel("gmall-today", "Reconciliation"), {"day": corruption.text})
    shown = {row[0]: row[1:6] for row in rows}
    want = {output: ("clean", 0, 0, 0, None) for output in reconcile.OUTPUTS}
    for output, hours in differing(check).items():
        missing, extra, changed = (sum(figures[n] for figures in hours.values()) for n in (2, 3, 4))
        want[output] = ("differs", missing, extra, changed, " ".join(f"{hour:02d}" for hour in sorted(hours)))
    assert shown == want
    assert {row[-1] for row in rows} == {check.checked_at}


def test_the_command_exits_1_and_prints_one_json_document(pipeline, corrupted):
    corruption, clean = corrupted
    result = subprocess.run(
        [sys.executable, "-m", "gmall_rt.cli", "reconcile", "--date", corruption.text, "--json"],
        capture_output=True, text=True, timeout=900, env={**os.environ, **isolation.environment(pipeline.config)})
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["date"] == corruption.text and document["clean"] is False
    got = {output: {hour["hour"]: (hour["expected"], hour["actual"], hour["missing"], hour["extra"], hour["changed"])
                    for hour in result["hours"]}
           for output, result in document["outputs"].items() if not result["clean"]}
    assert got == want_differences(corruption, clean)
    assert f"read {pipeline.config.topics.start}:" in result.stderr
