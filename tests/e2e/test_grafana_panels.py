"""Every Grafana panel shows the oracle's figures.

No Grafana server runs here, so each panel's query is built as Grafana builds it
(:mod:`testkit.grafana_queries`) for a chosen day — and for the purchase analysis a chosen
keyword — and sent to the datasource it names, as provisioned, on the stack the jobs wrote to after
a mock run. What comes back must be what the oracle computes from the same run's input.
"""

import datetime
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pymysql
import pytest
from elasticsearch import Elasticsearch

from gmall_rt import grafana, reconcile, reference as oracle
from testkit.grafana_queries import TimeRange, es_search, panels, sql_query

pytestmark = pytest.mark.stack

# the dashboards on MariaDB and Elasticsearch (the operations dashboard's Prometheus panels are
# test_operations_dashboard.py's)
DASHBOARDS = {dashboard["uid"]: dashboard for dashboard in grafana.load_dashboards()
              if dashboard["uid"] != "gmall-operations"}
# Chinese phrases (the standard analyzer makes each character a token, so a phrase is a substring,
# as in the oracle) and one with Lucene's special characters, which Grafana escapes
KEYWORDS = ["小米", "大米", "笔记本电脑", '"持久"']
SHARE = Decimal("0.0001")
HOUR_MS = 3_600_000


class Datasources:
    """The provisioned datasources, expanded from the configuration as `grafana push` does."""

    def __init__(self, config):
        self.zone = config.time.zone
        self.by_uid = {ds["uid"]: ds for ds in grafana.load_datasources(grafana.config_variables(config))}

    def connect_mariadb(self, uid, **session):
        datasource = self.by_uid[uid]
        address = urlsplit(f"//{datasource['url']}")
        return pymysql.connect(host=address.hostname, port=address.port, user=datasource["user"],
                               password=datasource.get("secureJsonData", {}).get("password", ""),
                               database=datasource["jsonData"]["database"], autocommit=True, **session)

    def sql(self, panel, variables):
        target = only_target(panel)
        connection = self.connect_mariadb(target["datasource"]["uid"])
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql_query(target, variables))
                return list(cursor.fetchall())
        finally:
            connection.close()

    def es(self, panel, variables, time_range):
        target = only_target(panel)
        datasource = self.by_uid[target["datasource"]["uid"]]
        body = es_search(target, variables, time_range, datasource["jsonData"]["timeField"])
        with Elasticsearch(datasource["url"]) as client:
            return client.search(index=datasource["jsonData"]["index"], body=body)


def only_target(panel):
    assert len(panel["targets"]) == 1, f"{panel['title']}: one query per panel"
    return panel["targets"][0]


def panel(dashboard_uid, title):
    return next(p for p in panels(DASHBOARDS[dashboard_uid]) if p["title"] == title)


class Expected:
    """The oracle's outputs for the pipeline's run."""

    def __init__(self, pipeline):
        zone = pipeline.config.time.zone
        source = pipeline.source
        self.config = pipeline.config
        self.zone = zone
        self.dau = oracle.dau_by_hour(pipeline.screened.start_records, zone)
        self.gmv = oracle.gmv_by_hour(source.order_info)
        self.alerts = oracle.coupon_alerts(pipeline.screened.event_records, zone)
        self.docs = oracle.purchase_detail_docs(source.order_info, source.order_detail, source.user_info)
        self.days = sorted(
            {day for day, _hour in self.dau} | {day for day, _hour in self.gmv}
            | {datetime.date.fromisoformat(alert["window_end"][:10]) for alert in self.alerts.values()}
            | {datetime.date.fromisoformat(doc["dt"]) for doc in self.docs.values() if doc["dt"]}
        )

    def alerts_in(self, time_range):
        return {doc_id: alert for doc_id, alert in self.alerts.items()
                if time_range.from_ms <= alert["ts"] <= time_range.to_ms}


@pytest.fixture(scope="module")
def datasources(pipeline):
    return Datasources(pipeline.config)


@pytest.fixture(scope="module")
def expected(pipeline):
    expected = Expected(pipeline)
    assert expected.days, "the mock run left nothing to show"
    return expected


def shares(counts):
    total = sum(counts.values())
    return {key: (Decimal(count) / total).quantize(SHARE, ROUND_HALF_UP) for key, count in counts.items() if count}


# ---------------------------------------------------------------------------------------------
# MariaDB panels: the day variable, then each panel for every day of the run


def check_by_hour(datasources, expected, dashboard_uid, title, figure):
    for day in expected.days:
        rows = datasources.sql(panel(dashboard_uid, title), {"day": day.isoformat()})
        before = day - datetime.timedelta(days=1)
        assert rows == [(f"{hour:02d}", figure(day, hour), figure(before, hour)) for hour in range(24)], day


def check_dau_by_hour(datasources, expected):
    check_by_hour(datasources, expected, "gmall-dau", "DAU by hour: $day against the day before",
                  lambda day, hour: expected.dau.get((day, hour), 0))


def check_gmv_by_hour(datasources, expected):
    check_by_hour(datasources, expected, "gmall-gmv", "GMV by hour: $day against the day before",
                  lambda day, hour: expected.gmv.get((day, hour), (Decimal(0), 0))[0])


def check_orders_by_hour(datasources, expected):
    check_by_hour(datasources, expected, "gmall-gmv", "Orders by hour: $day against the day before",
                  lambda day, hour: expected.gmv.get((day, hour), (Decimal(0), 0))[1])


def check_today(datasources, expected, title, figure):
    for day in expected.days:
        assert datasources.sql(panel("gmall-today", title), {"day": day.isoformat()}) == [(figure(day),)], day


def check_today_dau(datasources, expected):
    check_today(datasources, expected, "DAU",
                lambda day: sum(count for (d, _h), count in expected.dau.items() if d == day))


def check_today_gmv(datasources, expected):
    check_today(datasources, expected, "GMV",
                lambda day: sum((gmv for (d, _h), (gmv, _n) in expected.gmv.items() if d == day), Decimal(0)))


def check_today_orders(datasources, expected):
    check_today(datasources, expected, "Orders",
                lambda day: sum(count for (d, _h), (_gmv, count) in expected.gmv.items() if d == day))


def check_reconciliation(datasources, expected):
    """The run's last day, checked now: every output clean, as of that check."""
    day = expected.days[-1]
    check = reconcile.check_day(expected.config, day, progress=print)
    rows = datasources.sql(panel("gmall-today", "Reconciliation"), {"day": day.isoformat()})
    assert {row[0]: row[1:6] for row in rows} == {output: ("clean", 0, 0, 0, None) for output in reconcile.OUTPUTS}
    assert {row[-1] for row in rows} == {check.checked_at}


def test_day_variables_list_the_business_today_first(datasources, expected):
    """In the datasource's session time zone, as Grafana opens it, CURDATE() is the business day.
    (A named zone needs MariaDB's time zone tables, as it does for Grafana.)"""
    for dashboard in DASHBOARDS.values():
        for variable in dashboard["templating"]["list"]:
            if variable["type"] != "query":
                continue
            zone = datasources.by_uid[variable["datasource"]["uid"]]["jsonData"]["timezone"]
            before = datetime.datetime.now(ZoneInfo(expected.zone)).date()
            try:
                connection = datasources.connect_mariadb(variable["datasource"]["uid"],
                                                         init_command=f"SET time_zone = '{zone}'")
            except pymysql.OperationalError as exc:
                pytest.fail(f"MariaDB refuses the datasource's session time zone {zone!r} ({exc.args[-1]}); "
                            "load its time zone tables: mariadb-tzinfo-to-sql /usr/share/zoneinfo | mariadb mysql")
            try:
                with connection.cursor() as cursor:
                    cursor.execute(variable["query"])
                    days = [row[0] for row in cursor.fetchall()]
            finally:
                connection.close()
            after = datetime.datetime.now(ZoneInfo(expected.zone)).date()
            assert days[0] in (before.isoformat(), after.isoformat()), (dashboard["uid"], variable["name"])
            assert len(days) == 366 and days == sorted(days, reverse=True)


# ---------------------------------------------------------------------------------------------
# Coupon alerts: each panel over each business day of the run (the time picker set to that day)


def check_alerts_per_hour(datasources, expected):
    for day in expected.days:
        time_range = TimeRange.business_day(day, expected.zone)
        response = datasources.es(panel("gmall-alerts", "Alerts per hour"), {}, time_range)
        buckets = response["aggregations"]["2"]["buckets"]
        assert buckets[0]["key"] <= time_range.from_ms and buckets[-1]["key"] <= time_range.to_ms
        shown = {bucket["key"]: bucket["doc_count"] for bucket in buckets if bucket["doc_count"]}
        wanted = Counter(alert["ts"] - alert["ts"] % HOUR_MS for alert in expected.alerts_in(time_range).values())
        assert shown == dict(wanted), day


def check_top_devices(datasources, expected):
    for day in expected.days:
        time_range = TimeRange.business_day(day, expected.zone)
        response = datasources.es(panel("gmall-alerts", "Top devices"), {}, time_range)
        shown = [(bucket["key"], bucket["doc_count"]) for bucket in response["aggregations"]["2"]["buckets"]]
        per_device = Counter(alert["mid"] for alert in expected.alerts_in(time_range).values())
        assert all(count == per_device[mid] for mid, count in shown), day
        assert [count for _mid, count in shown] == sorted(per_device.values(), reverse=True)[:10], day


def check_latest_alerts(datasources, expected):
    for day in expected.days:
        time_range = TimeRange.business_day(day, expected.zone)
        response = datasources.es(panel("gmall-alerts", "Latest alerts"), {}, time_range)
        hits = response["hits"]["hits"]
        in_range = expected.alerts_in(time_range)
        assert {hit["_id"] for hit in hits} <= set(in_range), day
        newest = sorted((alert["ts"] for alert in in_range.values()), reverse=True)[:100]
        assert [hit["sort"][0] for hit in hits] == newest, day
        assert all(hit["_source"]["mid"] == in_range[hit["_id"]]["mid"] for hit in hits), day


# ---------------------------------------------------------------------------------------------
# Purchase analysis: each panel for every date of the run and several keywords


def purchase_cases(expected):
    dashboard = DASHBOARDS["gmall-purchase"]
    time_range = TimeRange.of_dashboard(dashboard, datetime.datetime.now(ZoneInfo(dashboard["timezone"])))
    for day in expected.days:
        for keyword in KEYWORDS:
            variables = {"date": day.isoformat(), "keyword": keyword}
            yield variables, time_range, oracle.sale_summary(expected.docs, day, keyword)


def check_order_lines_total(datasources, expected):
    for variables, time_range, summary in purchase_cases(expected):
        response = datasources.es(panel("gmall-purchase", "Order lines"), variables, time_range)
        assert response["aggregations"]["2"]["buckets"]["order lines"]["doc_count"] == summary.total, variables


def check_gender_share(datasources, expected):
    for variables, time_range, summary in purchase_cases(expected):
        response = datasources.es(panel("gmall-purchase", "Share by gender"), variables, time_range)
        counts = {None if bucket["key"] == "unknown" else bucket["key"]: bucket["doc_count"]
                  for bucket in response["aggregations"]["2"]["buckets"]}
        assert sum(counts.values()) == summary.total, variables
        assert shares(counts) == summary.gender_share, variables


def check_age_band_share(datasources, expected):
    for variables, time_range, summary in purchase_cases(expected):
        response = datasources.es(panel("gmall-purchase", "Share by age band"), variables, time_range)
        counts = {label: bucket["doc_count"] for label, bucket in response["aggregations"]["2"]["buckets"].items()}
        assert sum(counts.values()) == summary.total, variables
        assert shares(counts) == summary.age_band_share, variables


def check_order_line_rows(datasources, expected):
    size = int(only_target(panel("gmall-purchase", "Matching order lines"))["metrics"][0]["settings"]["size"])
    for variables, time_range, summary in purchase_cases(expected):
        response = datasources.es(panel("gmall-purchase", "Matching order lines"), variables, time_range)
        ids = sorted((hit["_id"] for hit in response["hits"]["hits"]), key=int)
        if summary.total <= size:
            assert ids == summary.order_detail_ids, variables
        else:
            assert len(ids) == size and set(ids) <= set(summary.order_detail_ids), variables


CHECKS = {
    ("gmall-dau", "DAU by hour: $day against the day before"): check_dau_by_hour,
    ("gmall-gmv", "GMV by hour: $day against the day before"): check_gmv_by_hour,
    ("gmall-gmv", "Orders by hour: $day against the day before"): check_orders_by_hour,
    ("gmall-today", "DAU"): check_today_dau,
    ("gmall-today", "GMV"): check_today_gmv,
    ("gmall-today", "Orders"): check_today_orders,
    ("gmall-today", "Reconciliation"): check_reconciliation,
    ("gmall-alerts", "Alerts per hour"): check_alerts_per_hour,
    ("gmall-alerts", "Top devices"): check_top_devices,
    ("gmall-alerts", "Latest alerts"): check_latest_alerts,
    ("gmall-purchase", "Order lines"): check_order_lines_total,
    ("gmall-purchase", "Share by gender"): check_gender_share,
    ("gmall-purchase", "Share by age band"): check_age_band_share,
    ("gmall-purchase", "Matching order lines"): check_order_line_rows,
}


def test_every_panel_has_a_check():
    assert set(CHECKS) == {(uid, p["title"]) for uid, dashboard in DASHBOARDS.items() for p in panels(dashboard)}


@pytest.mark.parametrize("dashboard_uid, title", sorted(CHECKS))
def test_panel_shows_the_oracle_figures(datasources, expected, dashboard_uid, title):
    CHECKS[(dashboard_uid, title)](datasources, expected)
