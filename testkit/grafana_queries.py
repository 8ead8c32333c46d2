"""The queries a dashboard panel sends, built as Grafana builds them, so they can be run without it.

For a MySQL (MariaDB) target: its SQL with the dashboard variables interpolated (a single value goes
in as it is, Grafana's default for SQL datasources). The panels use no ``$__`` macros, and any
``$__`` name is refused rather than guessed at.

For a Prometheus target: its PromQL expression, variables interpolated as for SQL; the panels use
no ``$__`` macros (``$__rate_interval`` and the like depend on the browser's width), so the
expression Grafana sends is the one a test runs.

For an Elasticsearch target: the search body Grafana's Elasticsearch datasource sends for it — the
time range on the datasource's time field, the Lucene query (variables Lucene-escaped, Grafana's
default for that datasource), then either the raw documents (newest first) or the bucket
aggregations ``terms``, ``date_histogram`` and ``filters`` with ``count`` metrics, nested in order.
That is all the dashboards use; anything else is refused.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping
from zoneinfo import ZoneInfo

# $name, ${name} and ${name:format}; Grafana's deprecated [[name]] is not used in the dashboards
_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::(\w+))?\}|(\w+))")
_LUCENE_SPECIAL = re.compile(r'([!*+\-=<>\s&|()\[\]{}^~?:\\/"])')
# what JavaScript's Number() accepts, for Grafana's "numbers are not escaped" rule
_JS_NUMBER = re.compile(r"[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|Infinity)|0x[0-9a-f]+|0o[0-7]+|0b[01]+|",
                        re.IGNORECASE)
_RELATIVE_TIME = re.compile(r"now(?:([+-]\d+)([smhdwMy]))?(/d)?")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class GrafanaQueryError(ValueError):
    """A panel uses something this module does not build; the message says what and where."""


@dataclass(frozen=True)
class TimeRange:
    """A dashboard time range as Grafana sends it: epoch milliseconds, both ends included."""

    from_ms: int
    to_ms: int

    @classmethod
    def business_day(cls, day: datetime.date, zone: str) -> TimeRange:
        """The whole of ``day`` in ``zone``, as the time picker gives it for that day."""
        tz = ZoneInfo(zone)
        start = datetime.datetime.combine(day, datetime.time(), tz)
        end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tz)
        return cls(int(start.timestamp() * 1000), int(end.timestamp() * 1000) - 1)

    @classmethod
    def of_dashboard(cls, dashboard: Mapping[str, Any], now: datetime.datetime) -> TimeRange:
        """The dashboard's default time range at ``now`` (an aware datetime in the dashboard's zone)."""
        time = dashboard["time"]
        return cls(_relative_time(time["from"], now, end=False), _relative_time(time["to"], now, end=True))


def _add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _relative_time(expression: str, now: datetime.datetime, end: bool) -> int:
    """``now``, ``now-2y``, ``now+1d``, ``now/d`` and the like; a ``to`` rounded to the day is its last ms."""
    match = _RELATIVE_TIME.fullmatch(expression)
    if match is None:
        raise GrafanaQueryError(f"time {expression!r}: only now[+-N<unit>][/d] is supported")
    amount, unit, rounded = match.groups()
    moment = now
    if unit in ("M", "y"):
        moment = _add_months(moment, int(amount) * (12 if unit == "y" else 1))
    elif unit:
        moment += datetime.timedelta(seconds=int(amount) * _UNIT_SECONDS[unit])
    if rounded:
        day = moment.date() + datetime.timedelta(days=1 if end else 0)
        moment = datetime.datetime.combine(day, datetime.time(), moment.tzinfo)
        moment -= datetime.timedelta(milliseconds=1 if end else 0)
    return int(moment.timestamp() * 1000)


def lucene_escape(value: str) -> str:
    """Grafana's ``lucene`` format: special characters backslash-escaped, numbers left as they are."""
    if _JS_NUMBER.fullmatch(value.strip()):
        return value
    return _LUCENE_SPECIAL.sub(r"\\\1", value)


def interpolate(text: str, variables: Mapping[str, str], default_format: str) -> str:
    """``text`` with each dashboard variable replaced by its (single) value in its format."""
    formats = {"raw": lambda value: value, "lucene": lucene_escape}

    def substitute(match: re.Match) -> str:
        name = match.group(1) or match.group(3)
        fmt = match.group(2) or default_format
        if name.startswith("__"):
            raise GrafanaQueryError(f"{match.group(0)}: Grafana macros and built-in variables are not expanded here")
        if name not in variables:
            raise GrafanaQueryError(f"{match.group(0)}: no value given for this variable")
        if fmt not in formats:
            raise GrafanaQueryError(f"{match.group(0)}: format {fmt!r} is not supported")
        return formats[fmt](variables[name])

    return _VARIABLE.sub(substitute, text)


def panels(dashboard: Mapping[str, Any]) -> Iterator[dict]:
    """Every panel, including those inside collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def sql_query(target: Mapping[str, Any], variables: Mapping[str, str]) -> str:
    """The SQL a MySQL target runs."""
    return interpolate(target["rawSql"], variables, "raw")


def promql(target: Mapping[str, Any], variables: Mapping[str, str]) -> str:
    """The PromQL a Prometheus target runs (the operations dashboard uses no variables or macros)."""
    return interpolate(target["expr"], variables, "raw")


def _terms(agg: Mapping[str, Any], settings: Mapping[str, Any], metrics: list[dict]) -> dict:
    body: dict[str, Any] = {"field": agg["field"], "size": int(settings.get("size") or 0) or 500}
    if "min_doc_count" in settings:
        body["min_doc_count"] = int(settings["min_doc_count"])
    if "missing" in settings:
        body["missing"] = settings["missing"]
    order_by = settings.get("orderBy")
    if order_by:
        if order_by in {metric["id"] for metric in metrics if metric["type"] == "count"}:
            order_by = "_count"
        elif order_by[0].isdigit():
            raise GrafanaQueryError(f"terms on {agg['field']}: ordering by a metric other than count")
        body["order"] = {"_key" if order_by == "_term" else order_by: settings.get("order", "desc")}
    return {"terms": body}


def _date_histogram(agg: Mapping[str, Any], settings: Mapping[str, Any], time_field: str,
                    time_range: TimeRange) -> dict:
    interval = settings.get("interval", "auto")
    if interval == "auto" or "$" in interval:
        raise GrafanaQueryError("date_histogram: give a fixed interval (auto depends on the browser's width)")
    body = {"field": agg.get("field") or time_field, "fixed_interval": interval,
            "min_doc_count": int(settings.get("min_doc_count", 0)),
            "extended_bounds": {"min": time_range.from_ms, "max": time_range.to_ms},
            "format": settings.get("format", "epoch_millis")}
    if settings.get("timeZone", "utc") != "utc":
        body["time_zone"] = settings["timeZone"]
    return {"date_histogram": body}


def _filters(settings: Mapping[str, Any], variables: Mapping[str, str]) -> dict:
    filters = {}
    for item in settings.get("filters", []):
        query = interpolate(item.get("query") or "*", variables, "lucene")
        filters[item.get("label") or query] = {"query_string": {"query": query, "analyze_wildcard": True}}
    return {"filters": {"filters": filters}}


def es_search(target: Mapping[str, Any], variables: Mapping[str, str], time_range: TimeRange,
              time_field: str) -> dict:
    """The search body an Elasticsearch target sends; ``time_field`` is the datasource's."""
    filters: list[dict] = [{"range": {time_field: {"gte": time_range.from_ms, "lte": time_range.to_ms,
                                                   "format": "epoch_millis"}}}]
    query = interpolate(target.get("query") or "", variables, "lucene")
    if query.strip():
        filters.append({"query_string": {"analyze_wildcard": True, "query": query}})
    body: dict[str, Any] = {"size": 0, "query": {"bool": {"filter": filters}}}

    metrics, bucket_aggs = target.get("metrics", []), target.get("bucketAggs", [])
    if metrics and metrics[0]["type"] == "raw_data":
        body["size"] = int(metrics[0].get("settings", {}).get("size") or 0) or 500
        body["sort"] = [{time_field: {"order": "desc", "unmapped_type": "boolean"}}, {"_doc": {"order": "desc"}}]
        return body
    if not bucket_aggs or any(metric["type"] != "count" for metric in metrics):
        raise GrafanaQueryError(f"target {target.get('refId')}: only raw_data, or count over bucket aggregations")

    level = body
    for agg in bucket_aggs:
        settings = agg.get("settings", {})
        if agg["type"] == "terms":
            built = _terms(agg, settings, metrics)
        elif agg["type"] == "date_histogram":
            built = _date_histogram(agg, settings, time_field, time_range)
        elif agg["type"] == "filters":
            built = _filters(settings, variables)
        else:
            raise GrafanaQueryError(f"bucket aggregation {agg['type']!r} is not supported")
        level["aggs"] = {agg["id"]: built}
        level = built
    return body
