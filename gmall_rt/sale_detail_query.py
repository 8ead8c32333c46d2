"""``gmall-rt sale-detail``: the purchase analysis from the sale-detail documents (the alias
``elasticsearch.sale_detail_index``, gmall_sale_detail).

For a date and an optional keyword: the number of order lines of that date whose ``sku_name``
contains the keyword, their share by the user's gender and by age band (under 20, 20-29, 30+, and
unknown for users without a birthday), and the lines themselves, a page at a time in
``order_detail_id`` order. The keyword is matched as a literal, case-sensitive substring (as the
oracle defines it), with a wildcard query on the untokenized ``sku_name.raw`` whose only special
characters, ``*``, ``?`` and ``\\``, are escaped: quotes, Lucene syntax and Chinese text are all just
characters, and no query string is ever parsed.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gmall_rt.config import Config, ConfigError

MAX_RESULT_WINDOW = 10_000  # Elasticsearch's default index.max_result_window
MAX_PAGE_SIZE = 1_000
SHARE = Decimal("0.0001")
AGE_BANDS = {
    "under 20": {"range": {"user_age": {"lt": 20}}},
    "20-29": {"range": {"user_age": {"gte": 20, "lte": 29}}},
    "30+": {"range": {"user_age": {"gte": 30}}},
    "unknown": {"bool": {"must_not": {"exists": {"field": "user_age"}}}},
}
COLUMNS = ("order_detail_id", "order_id", "order_status", "create_time", "user_id", "user_gender", "user_age",
           "user_level", "sku_id", "sku_name", "sku_price", "sku_num", "province_id", "total_amount")


class QueryError(ConfigError):
    """The analysis cannot be run as asked (bad arguments, Elasticsearch unreachable)."""


@dataclass(frozen=True)
class SaleDetail:
    date: str
    keyword: str | None
    total: int
    gender_share: dict[str | None, Decimal]
    age_band_share: dict[str, Decimal]
    page: int
    size: int
    rows: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date, "keyword": self.keyword, "total": self.total,
            "gender_share": {("unknown" if k is None else k): str(v) for k, v in self.gender_share.items()},
            "age_band_share": {k: str(v) for k, v in self.age_band_share.items()},
            "page": self.page, "size": self.size, "rows": self.rows,
        }


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> str:
    """``text`` as yyyy-MM-dd, or a QueryError saying how to give it."""
    text = text.strip()
    try:
        if _DATE.fullmatch(text):  # Python alone would also take 20261120 or 2026-W47-5
            return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise QueryError(f"--date {text!r} is not a date; give it as yyyy-MM-dd, e.g. 2026-11-20")


def check_paging(page: int, size: int) -> None:
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise QueryError(f"--page must be 1 or more and --size between 1 and {MAX_PAGE_SIZE}")
    if page * size > MAX_RESULT_WINDOW:
        raise QueryError(f"only the first {MAX_RESULT_WINDOW} rows can be paged through; "
                         "narrow the keyword or use a smaller --page")


def wildcard_literal(text: str) -> str:
    """``text`` for a wildcard query, every character literal."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def search_body(date: str, keyword: str | None, page: int, size: int) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [{"term": {"dt": date}}]
    if keyword:
        filters.append({"wildcard": {"sku_name.raw": {"value": f"*{wildcard_literal(keyword)}*"}}})
    return {
        "query": {"bool": {"filter": filters}},
        "track_total_hits": True,
        "from": (page - 1) * size,
        "size": size,
        "sort": [{"order_detail_id": {"order": "asc"}}],
        "aggs": {
            "gender": {"terms": {"field": "user_gender", "size": 100}},
            "gender_missing": {"missing": {"field": "user_gender"}},
            "age_band": {"filters": {"filters": AGE_BANDS}},
        },
    }


def shares(counts: dict[Any, int], total: int) -> dict[Any, Decimal]:
    """Each group's count as a fraction of ``total``, rounded half-up to 4 places; empty groups left out."""
    return {group: (Decimal(count) / total).quantize(SHARE, ROUND_HALF_UP)
            for group, count in counts.items() if count}


def summarize(response: dict[str, Any], date: str, keyword: str | None, page: int, size: int) -> SaleDetail:
    total = response["hits"]["total"]["value"]
    aggs = response.get("aggregations") or {}
    genders: dict[str | None, int] = {b["key"]: b["doc_count"] for b in aggs.get("gender", {}).get("buckets", [])}
    genders[None] = aggs.get("gender_missing", {}).get("doc_count", 0)
    bands = {name: bucket["doc_count"] for name, bucket in aggs.get("age_band", {}).get("buckets", {}).items()}
    rows = [{column: hit["_source"].get(column) for column in COLUMNS} for hit in response["hits"]["hits"]]
    return SaleDetail(date=date, keyword=keyword or None, total=total,
                      gender_share=shares(genders, total) if total else {},
                      age_band_share=shares(bands, total) if total else {},
                      page=page, size=size, rows=rows)


def query(es, index: str, date: str, keyword: str | None = None, page: int = 1, size: int = 20) -> SaleDetail:
    """The analysis of ``date`` (yyyy-MM-dd) for ``keyword`` from the documents behind the alias ``index``."""
    date = parse_date(date)
    check_paging(page, size)
    body = search_body(date, keyword, page, size)
    response = es.search(index=index, ignore_unavailable=True, allow_no_indices=True,
                         **{("from_" if key == "from" else key): value for key, value in body.items()})
    return summarize(response, date, keyword, page, size)


def _percent(share: Decimal) -> str:
    return f"{share * 100:.2f}%"


def render_text(result: SaleDetail) -> str:
    keyword = "every sku" if not result.keyword else f"sku_name containing {json.dumps(result.keyword, ensure_ascii=False)}"
    lines = [f"{result.date}, {keyword}: {result.total} order line{'s' if result.total != 1 else ''}"]
    if result.total:
        genders = sorted(result.gender_share.items(), key=lambda item: (item[0] is None, item[0] or ""))
        lines.append("by gender:    " + "  ".join(f"{g or 'unknown'} {_percent(s)}" for g, s in genders))
        bands = [(band, result.age_band_share[band]) for band in AGE_BANDS if band in result.age_band_share]
        lines.append("by age band:  " + "  ".join(f"{b} {_percent(s)}" for b, s in bands))
        pages = (result.total + result.size - 1) // result.size
        lines.append(f"page {result.page} of {pages} ({result.size} per page):")
        table = [COLUMNS] + [tuple("" if row[c] is None else str(row[c]) for c in COLUMNS) for row in result.rows]
        widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]
        lines.extend("  ".join(cell.ljust(width) for cell, width in zip(r, widths)).rstrip() for r in table)
    return "\n".join(lines)


def run(config: Config, args) -> int:
    from elasticsearch import exceptions

    from gmall_rt import clients

    date = parse_date(args.date)  # checked before any connection is made
    check_paging(args.page, args.size)
    try:
        result = query(clients.elasticsearch(config), config.elasticsearch.sale_detail_index, date, args.keyword,
                       args.page, args.size)
    except (exceptions.ConnectionError, exceptions.TransportError) as exc:
        raise QueryError(f"Elasticsearch at {config.elasticsearch.url} did not answer the query: "
                         f"{getattr(exc, 'error', exc)}") from None
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2, default=str))
    else:
        print(render_text(result))
    return 0


def cmd_sale_detail(args) -> int:
    from gmall_rt import config as config_module

    return run(config_module.load(args.config), args)


def add_parser(commands) -> None:
    """Add ``sale-detail`` to gmall-rt's subcommands."""
    parser = commands.add_parser("sale-detail", help="the purchase analysis of a day, from Elasticsearch")
    parser.add_argument("--date", required=True, help="the order date, yyyy-MM-dd")
    parser.add_argument("--keyword", help="a literal, case-sensitive part of sku_name (default: every line)")
    parser.add_argument("--page", type=int, default=1, help="the page of rows (default 1)")
    parser.add_argument("--size", type=int, default=20, help=f"rows per page (default 20, at most {MAX_PAGE_SIZE})")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=cmd_sale_detail)


def main(argv: list[str] | None = None) -> int:
    """``python -m gmall_rt.sale_detail_query``: the same as ``gmall-rt sale-detail``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m gmall_rt.sale_detail_query")
    parser.add_argument("--config", help="TOML configuration file (default: $GMALL_RT_CONFIG)")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["sale-detail", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"gmall-rt: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
