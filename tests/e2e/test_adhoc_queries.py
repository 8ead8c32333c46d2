"""Each ad-hoc query of sql/adhoc, run as users run it (`gmall-rt sql -f FILE`) on the real stack
after the pipeline, gives the figures computed in plain Python from what the pipeline sent: the
records of the topics and the final state of the MariaDB tables."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from gmall_rt import reference as oracle
from testkit import isolation
from gmall_rt.sql_client import ADHOC_DIR

CLIENT_TIMEOUT_S = 900
TOP = 20
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_ROW = re.compile(r"\|(.*)\|\s*$")
_END_OF_RESULT = re.compile(r"\d+ rows? in set|Empty set")


def parse_tableau(output: str) -> list[list[dict[str, str | None]]]:
    """The result tables of the SQL client's tableau output, each a list of rows by column name;
    ``<NULL>`` is None. The client echoes the script, so a border may follow echoed text."""
    results, rows = [], []
    for line in _ANSI.sub("", output).splitlines():
        match = _ROW.search(line)
        if match and line.lstrip().startswith("|"):
            rows.append([cell.strip() for cell in match.group(1).split("|")])
        elif _END_OF_RESULT.search(line):
            if rows:
                header, *body = rows
                results.append([{name: (None if value == "<NULL>" else value) for name, value in zip(header, row)}
                                for row in body])
            else:
                results.append([])
            rows = []
    return results


def run_adhoc(config, name: str) -> list[dict[str, str | None]]:
    """The rows of the one result of sql/adhoc/<name>, run through `gmall-rt sql -f` on the names of
    the run ``config`` is of."""
    result = subprocess.run(
        [sys.executable, "-m", "gmall_rt.cli", "sql", "-f", str(ADHOC_DIR / name)],
        capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S, env={**os.environ, **isolation.environment(config)})
    assert result.returncode == 0, result.stderr[-3000:] or result.stdout[-3000:]
    results = parse_tableau(result.stdout)
    assert len(results) == 1, result.stdout[-3000:]
    return results[0]


def valid_event_records(event_values) -> list[dict]:
    """Every valid event log of the topic, late ones included."""
    parsed = (oracle.parse_log_record(value, oracle.EVENT_TYPE, oracle.EVENT_FIELDS) for value in event_values)
    return [record for record in parsed if isinstance(record, dict)]


def number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# ---------------------------------------------------------------------------------------------
# One check per file of sql/adhoc (a file without a check fails tests/unit/test_sql_client.py)


def check_orders_by_status(pipeline):
    got = {row["order_status"]: (int(row["orders"]), number(row["total_amount"]))
           for row in run_adhoc(pipeline.config, "orders_by_status.sql")}
    counts, totals = Counter(), defaultdict(list)
    for order in pipeline.source.order_info:
        counts[order["order_status"]] += 1
        if order["total_amount"] is not None:
            totals[order["order_status"]].append(order["total_amount"])
    assert got == {status: (count, sum(totals[status]) if totals[status] else None)
                   for status, count in counts.items()}


def check_gmv_by_province(pipeline):
    rows = run_adhoc(pipeline.config, "gmv_by_province.sql")
    got = {(datetime.date.fromisoformat(row["dt"]), None if row["province_id"] is None else int(row["province_id"])):
           (Decimal(row["gmv"]), int(row["order_count"])) for row in rows}
    want = defaultdict(lambda: (Decimal(0), 0))
    for order in pipeline.source.order_info:
        if order["create_time"] is None or order["total_amount"] is None:
            continue
        key = (order["create_time"].date(), order["province_id"])
        gmv, count = want[key]
        want[key] = (gmv + order["total_amount"], count + 1)
    assert got == dict(want)
    # the same orders as the GMV job's report counts, day by day
    got_per_day, report_per_day = Counter(), Counter()
    for (day, _province), (_gmv, count) in got.items():
        got_per_day[day] += count
    for (day, _hour), (_gmv, count) in oracle.gmv_by_hour(pipeline.source.order_info).items():
        report_per_day[day] += count
    assert got_per_day == report_per_day


def check_dau_by_area_and_channel(pipeline):
    rows = run_adhoc(pipeline.config, "dau_by_area_and_channel.sql")
    # the DAU table stores an empty string as no value: it reads back NULL
    got = {(row["dt"], row["area"] or "", row["channel"] or ""): int(row["dau"]) for row in rows}
    want = Counter((row["LOGDATE"], row["AREA"], row["CH"])
                   for row in oracle.dau_rows(pipeline.screened.start_records, pipeline.config.time.zone).values())
    assert got == dict(want)
    assert [(row["dt"], -int(row["dau"])) for row in rows] == sorted((row["dt"], -int(row["dau"])) for row in rows)


def check_top_items_by_coupon_claims(pipeline):
    rows = run_adhoc(pipeline.config, "top_items_by_coupon_claims.sql")
    got = [(row["itemid"], int(row["claims"]), int(row["users"]), int(row["devices"])) for row in rows]
    claims = {(r["mid"], r["uid"], r["itemid"], r["ts"])
              for r in valid_event_records(pipeline.event_values) if r["evid"] == "coupon"}
    per_item = defaultdict(list)
    for mid, uid, itemid, _ts in claims:
        per_item[itemid].append((mid, uid))
    want = sorted(((item, len(pairs), len({u for _m, u in pairs}), len({m for m, _u in pairs}))
                   for item, pairs in per_item.items()), key=lambda row: (-row[1], row[0]))[:TOP]
    assert got == want


def check_devices_with_most_alerts(pipeline):
    rows = run_adhoc(pipeline.config, "devices_with_most_alerts.sql")
    got = [(row["mid"], int(row["alerts"]), row["first_alert_window_end"][:19], row["last_alert_window_end"][:19])
           for row in rows]
    alerts = oracle.coupon_alerts(valid_event_records(pipeline.event_values), pipeline.config.time.zone)
    ends = defaultdict(list)
    for alert in alerts.values():
        ends[alert["mid"]].append(alert["window_end"])
    want = sorted(((mid, len(e), min(e), max(e)) for mid, e in ends.items()), key=lambda row: (-row[1], row[0]))[:TOP]
    assert got == want
    assert want, "the mock run has fraud devices: some must alert"


CHECKS = {
    "orders_by_status.sql": check_orders_by_status,
    "gmv_by_province.sql": check_gmv_by_province,
    "dau_by_area_and_channel.sql": check_dau_by_area_and_channel,
    "top_items_by_coupon_claims.sql": check_top_items_by_coupon_claims,
    "devices_with_most_alerts.sql": check_devices_with_most_alerts,
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_adhoc_query_gives_the_figures_computed_from_the_input(pipeline, name):
    CHECKS[name](pipeline)
