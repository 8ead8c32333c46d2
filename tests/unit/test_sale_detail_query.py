"""gmall-rt sale-detail: the Elasticsearch request it sends and what it makes of the answer,
against the oracle's analysis (no Elasticsearch needed: the client is a stand-in)."""

import argparse
import datetime
import json
from decimal import Decimal

import pytest

from gmall_rt import sale_detail_query, reference as oracle
from gmall_rt.sale_detail_query import QueryError

# the alias the documents are searched under (elasticsearch.sale_detail_index)
INDEX = "sale_detail_under_test"


class FakeElasticsearch:
    """Answers a search over ``docs`` the way Elasticsearch does for the request the module sends:
    the term on dt, the wildcard on sku_name.raw (only \\, * and ? special), the aggregations."""

    def __init__(self, docs):
        self.docs, self.requests = docs, []

    @staticmethod
    def wildcard_matches(pattern: str, text: str) -> bool:
        import re

        regex, i = "", 0
        while i < len(pattern):
            char = pattern[i]
            if char == "\\":
                i += 1
                regex += re.escape(pattern[i])
            elif char == "*":
                regex += ".*"
            elif char == "?":
                regex += "."
            else:
                regex += re.escape(char)
            i += 1
        return re.fullmatch(regex, text, re.DOTALL) is not None

    def search(self, index, **request):
        self.requests.append((index, request))
        filters = request["query"]["bool"]["filter"]
        day = filters[0]["term"]["dt"]
        hits = [doc for doc in self.docs.values() if doc["dt"] == day]
        for clause in filters[1:]:
            pattern = clause["wildcard"]["sku_name.raw"]["value"]
            hits = [doc for doc in hits if self.wildcard_matches(pattern, doc["sku_name"] or "")]
        hits.sort(key=lambda doc: doc["order_detail_id"])
        genders = {}
        for doc in hits:
            if doc["user_gender"] is not None:
                genders[doc["user_gender"]] = genders.get(doc["user_gender"], 0) + 1
        bands = {"under 20": lambda a: a is not None and a < 20, "20-29": lambda a: a is not None and 20 <= a <= 29,
                 "30+": lambda a: a is not None and a >= 30, "unknown": lambda a: a is None}
        assert set(request["aggs"]["age_band"]["filters"]["filters"]) == set(bands)
        page = hits[request["from_"]:request["from_"] + request["size"]]
        return {
            "hits": {"total": {"value": len(hits), "relation": "eq"},
                     "hits": [{"_id": str(doc["order_detail_id"]), "_source": doc} for doc in page]},
            "aggregations": {
                "gender": {"buckets": [{"key": k, "doc_count": v} for k, v in genders.items()]},
                "gender_missing": {"doc_count": sum(1 for doc in hits if doc["user_gender"] is None)},
                "age_band": {"buckets": {name: {"doc_count": sum(1 for d in hits if test(d["user_age"]))}
                                         for name, test in bands.items()}},
            },
        }


SKUS = ["小米手机 Redmi Note 8 Pro 6GB+128GB 冰翡翠", "十月稻田 长粒香大米 东北大米 5kg",
        '索芙特i-Softto 口红 不掉色唇膏 "持久" 保湿 #03', "安踏 跑步鞋 男 轻便 * 透气 运动鞋",
        "Dell 戴尔 XPS 13 笔记本电脑 100% sRGB", "O'Neill 男士 户外 冲锋衣 (M)", r"back\slash? sku", None]


def docs_for(day="2026-11-20"):
    docs = {}
    for n in range(1, 61):
        age = [None, 19, 20, 29, 30, 55][n % 6]
        docs[str(n)] = {"order_detail_id": n, "order_id": n // 3, "order_status": "1002",
                        "create_time": f"{day} 10:00:00", "dt": day if n % 7 else "2026-11-21", "user_id": n % 11,
                        "user_gender": [None, "M", "F", "F"][n % 4], "user_age": age, "user_level": "1",
                        "sku_id": n % len(SKUS), "sku_name": SKUS[n % len(SKUS)], "sku_price": Decimal("1.50"),
                        "sku_num": 1, "province_id": 3, "total_amount": Decimal("9.90")}
    return docs


KEYWORDS = [None, "", "小米", "大米", '"持久"', "*", "?", "100%", "O'Neill", "(M)", r"back\slash?", "Redmi",
            "Red", "redmi", "AND", "sku_name:*", "口红 不掉色", "不存在"]


@pytest.mark.parametrize("keyword", KEYWORDS)
def test_the_analysis_is_the_oracles_for_any_keyword(keyword):
    docs = docs_for()
    es = FakeElasticsearch(docs)
    result = sale_detail_query.query(es, INDEX, "2026-11-20", keyword, page=1, size=1000)
    want = oracle.sale_summary(docs, "2026-11-20", keyword)
    assert result.total == want.total
    assert result.gender_share == want.gender_share
    assert result.age_band_share == want.age_band_share
    assert [str(row["order_detail_id"]) for row in result.rows] == want.order_detail_ids


def test_the_keyword_is_only_ever_a_literal_wildcard_value():
    es = FakeElasticsearch({})
    sale_detail_query.query(es, INDEX, "2026-11-20", 'a"b*c?d\\e OR f:*', page=2, size=10)
    index, request = es.requests[0]
    assert index == INDEX
    assert request["query"]["bool"]["filter"] == [
        {"term": {"dt": "2026-11-20"}},
        {"wildcard": {"sku_name.raw": {"value": '*a"b\\*c\\?d\\\\e OR f:\\**'}}},
    ]
    assert "query_string" not in json.dumps(request) and "simple_query_string" not in json.dumps(request)
    assert request["track_total_hits"] is True and request["from_"] == 10 and request["size"] == 10
    assert request["sort"] == [{"order_detail_id": {"order": "asc"}}]


def test_rows_are_paged_in_order_detail_id_order():
    docs = docs_for()
    es = FakeElasticsearch(docs)
    want = oracle.sale_summary(docs, "2026-11-20", None).order_detail_ids
    pages = [sale_detail_query.query(es, INDEX, "2026-11-20", None, page=p, size=7) for p in range(1, 10)]
    assert [str(row["order_detail_id"]) for page in pages for row in page.rows] == want


@pytest.mark.parametrize("age, band", [(None, "unknown"), (0, "under 20"), (19, "under 20"), (20, "20-29"),
                                       (29, "20-29"), (30, "30+"), (101, "30+")])
def test_age_bands_are_the_oracles(age, band):
    docs = {"1": dict(docs_for()["1"], dt="2026-11-20", user_age=age)}
    result = sale_detail_query.query(FakeElasticsearch(docs), INDEX, "2026-11-20")
    assert result.age_band_share == {band: Decimal("1.0000")} == oracle.sale_summary(docs, "2026-11-20", None).age_band_share
    assert band == oracle.age_band(age)


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "20261120", "yesterday", "", "2026-11-20T00:00",
                                  "2026-W47-5"])
def test_a_bad_date_is_one_clear_line_and_a_non_zero_exit(text, capsys, monkeypatch):
    monkeypatch.setattr("gmall_rt.clients.elasticsearch", lambda config: pytest.fail("no query for a bad date"))
    with pytest.raises(QueryError, match=r"--date .* is not a date; give it as yyyy-MM-dd"):
        sale_detail_query.parse_date(text)
    code = sale_detail_query.main(["--date", text])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and "is not a date" in err


def test_the_subcommand_and_its_output(capsys, monkeypatch):
    docs = docs_for()
    monkeypatch.setattr("gmall_rt.clients.elasticsearch", lambda config: FakeElasticsearch(docs))
    commands = argparse.ArgumentParser().add_subparsers(dest="command")
    sale_detail_query.add_parser(commands)
    parser = commands.choices["sale-detail"]
    args = parser.parse_args(["--date", "2026-11-20", "--keyword", "大米", "--size", "2", "--json"])
    args.config = None
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    want = oracle.sale_summary(docs, datetime.date(2026, 11, 20), "大米")
    assert printed["total"] == want.total and printed["size"] == 2
    assert printed["gender_share"] == {("unknown" if k is None else k): str(v) for k, v in want.gender_share.items()}
    assert [str(r["order_detail_id"]) for r in printed["rows"]] == want.order_detail_ids[:2]
    args = parser.parse_args(["--date", "2026-11-20", "--keyword", "大米"])
    args.config = None
    assert args.func(args) == 0
    text = capsys.readouterr().out
    assert text.startswith(f'2026-11-20, sku_name containing "大米": {want.total} order lines\n')
    assert "by gender:" in text and "by age band:" in text and "十月稻田" in text
