"""The dashboards and provisioning files as Grafana reads them: they parse, refer only to provisioned
datasources and defined variables, and every panel's queries can be built for a chosen day."""

import datetime
import json
import re
from zoneinfo import ZoneInfo

import pytest

from gmall_rt import grafana
from testkit import grafana_queries
from flink_jobs.config import TimeConfig
from gmall_rt.config import Config

EXPECTED_UIDS = {"dau": "gmall-dau", "gmv": "gmall-gmv", "today": "gmall-today", "alerts": "gmall-alerts",
                 "purchase": "gmall-purchase", "operations": "gmall-operations"}
# any Grafana variable reference: $name, ${name...}, [[name...]]
VARIABLE_REFERENCE = re.compile(r"\$\{(\w+)[^}]*\}|\$(\w+)|\[\[(\w+)[^\]]*\]\]")
SAMPLE_VALUES = {"day": "2026-11-20", "date": "2026-11-20", "keyword": "小米"}

DATASOURCES = grafana.load_datasources(grafana.config_variables(Config()))
DATASOURCE_TYPES = {datasource["uid"]: datasource["type"] for datasource in DATASOURCES}
DASHBOARDS = {path.stem: json.loads(path.read_text(encoding="utf-8"))
              for path in sorted(grafana.DASHBOARDS_DIR.glob("*.json"))}


def test_the_six_dashboards_with_stable_uids():
    assert {name: board["uid"] for name, board in DASHBOARDS.items()} == EXPECTED_UIDS


def test_datasources_have_unique_uids_and_names_and_use_configuration_keys_only():
    # load_datasources refuses a ${VAR} that is not a configuration key
    assert len(DATASOURCE_TYPES) == len(DATASOURCES) == len({d["name"] for d in DATASOURCES}) == 4
    assert set(DATASOURCE_TYPES.values()) == {"mysql", "elasticsearch", "prometheus"}
    mariadb = next(d for d in DATASOURCES if d["type"] == "mysql")
    assert mariadb["jsonData"]["database"] == Config().mariadb.report_database
    assert mariadb["jsonData"]["timezone"] == Config().time.zone
    prometheus = next(d for d in DATASOURCES if d["type"] == "prometheus")
    assert prometheus["url"] == Config().prometheus.url
    assert prometheus["jsonData"]["timeInterval"] == f"{Config().prometheus.scrape_interval_s}s"


def test_the_password_comes_from_the_environment_not_the_file():
    text = grafana.DATASOURCES_FILE.read_text(encoding="utf-8")
    assert "password: ${GMALL_MARIADB_READER_PASSWORD}" in text
    variables = {**grafana.config_variables(Config()), "GMALL_MARIADB_READER_PASSWORD": "s3cret"}
    mariadb = next(d for d in grafana.load_datasources(variables) if d["type"] == "mysql")
    assert mariadb["secureJsonData"] == {"password": "s3cret"}


def test_an_unknown_variable_in_a_provisioning_file_is_refused(tmp_path):
    path = tmp_path / "ds.yaml"
    path.write_text("apiVersion: 1\ndatasources:\n  - name: x\n    uid: x\n    url: ${GMALL_NO_SUCH_KEY}\n")
    with pytest.raises(grafana.GrafanaError, match=r"GMALL_NO_SUCH_KEY.*not a configuration key"):
        grafana.load_datasources(grafana.config_variables(Config()), path)


def test_dollar_dollar_is_a_literal_dollar():
    assert grafana.expand({"a": ["x$$y${A}", 3]}, {"A": "1"}, "test") == {"a": ["x$y1", 3]}


def test_the_dashboard_provider_names_the_folder():
    assert grafana.load_folder() == ("gmall-realtime", "gmall-realtime")


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_dashboard_structure(name):
    board = DASHBOARDS[name]
    assert board.get("title") and "id" not in board and "version" not in board  # Grafana owns those two
    assert board["timezone"] == TimeConfig().zone, "the business time zone decides what 'today' is"
    panels = list(grafana_queries.panels(board))
    assert panels
    assert len({panel["id"] for panel in panels}) == len(panels)
    assert len({panel["title"] for panel in panels}) == len(panels), "titles name the panels in the tests"
    for panel in panels:
        assert "libraryPanel" not in panel, "library panels are not provisioned"
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])
        panel_uid = panel["datasource"]["uid"]
        assert DATASOURCE_TYPES.get(panel_uid) == panel["datasource"]["type"]
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert ref_ids and len(set(ref_ids)) == len(ref_ids)
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"]
            if "timeField" in target:
                time_field = next(d for d in DATASOURCES if d["uid"] == panel_uid)["jsonData"]["timeField"]
                assert target["timeField"] == time_field
    for variable in board["templating"]["list"]:
        if "datasource" in variable:
            assert DATASOURCE_TYPES.get(variable["datasource"]["uid"]) == variable["datasource"]["type"]


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_variable_used_is_defined(name):
    board = DASHBOARDS[name]
    defined = {variable["name"] for variable in board["templating"]["list"]}
    used = {next(group for group in match.groups() if group)
            for match in VARIABLE_REFERENCE.finditer(json.dumps(board, ensure_ascii=False))}
    assert used <= defined, f"undefined: {used - defined}"
    for panel in grafana_queries.panels(board):
        assert panel.get("repeat") in (None, *defined)


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_panel_query_can_be_built_for_a_day(name):
    board = DASHBOARDS[name]
    time_range = grafana_queries.TimeRange.business_day(datetime.date(2026, 11, 20), TimeConfig().zone)
    for panel in grafana_queries.panels(board):
        for target in panel["targets"]:
            if DATASOURCE_TYPES[target["datasource"]["uid"]] == "mysql":
                sql = grafana_queries.sql_query(target, SAMPLE_VALUES)
                assert "$" not in sql and "'2026-11-20'" in sql
            elif DATASOURCE_TYPES[target["datasource"]["uid"]] == "prometheus":
                # tests/grafana/test_operations_promql.py evaluates each one
                assert "$" not in grafana_queries.promql(target, SAMPLE_VALUES)
            else:
                time_field = next(d for d in DATASOURCES if d["uid"] == target["datasource"]["uid"])["jsonData"]["timeField"]
                body = grafana_queries.es_search(target, SAMPLE_VALUES, time_range, time_field)
                assert body["query"]["bool"]["filter"][0]["range"][time_field]["gte"] == time_range.from_ms


def test_the_day_variables_list_today_first_from_the_report_database():
    for name in ("dau", "gmv", "today", "purchase"):
        day_variables = [v for v in DASHBOARDS[name]["templating"]["list"] if v["type"] == "query"]
        assert len(day_variables) == 1
        variable = day_variables[0]
        assert variable["datasource"]["uid"] == "gmall-report" and variable["refresh"] == 1
        assert variable["current"] == {} and "CURDATE() - INTERVAL n DAY" in variable["query"]
        assert "ORDER BY n" in variable["query"]


def test_lucene_escape_is_grafanas():
    assert grafana_queries.lucene_escape('2026-11-20') == r"2026\-11\-20"
    assert grafana_queries.lucene_escape('"持久" (M)') == r'\"持久\"\ \(M\)'
    assert grafana_queries.lucene_escape("-12.5") == "-12.5"


def test_macros_and_unknown_variables_are_refused():
    with pytest.raises(grafana_queries.GrafanaQueryError, match="macros"):
        grafana_queries.sql_query({"rawSql": "SELECT 1 WHERE $__timeFilter(dt)"}, {})
    with pytest.raises(grafana_queries.GrafanaQueryError, match="no value"):
        grafana_queries.sql_query({"rawSql": "SELECT '$nope'"}, {})


def test_dashboard_time_ranges_in_the_business_zone():
    now = datetime.datetime(2026, 11, 21, 0, 30, tzinfo=datetime.timezone.utc).astimezone(ZoneInfo("Asia/Shanghai"))
    today = grafana_queries.TimeRange.of_dashboard(DASHBOARDS["alerts"], now)
    assert today == grafana_queries.TimeRange.business_day(datetime.date(2026, 11, 21), "Asia/Shanghai")
    wide = grafana_queries.TimeRange.of_dashboard(DASHBOARDS["purchase"], now)
    assert wide.from_ms < today.from_ms and wide.to_ms > today.to_ms
