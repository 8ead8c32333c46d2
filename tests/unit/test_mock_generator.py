"""The mock generator: deterministic by seed, exact count, and every scenario present when asked,
each checked by reading the records themselves rather than trusting their labels."""

import json
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gmall_rt.mock.generator import LogRecord, MockOptions, MockStream, RowChange

ZONE = ZoneInfo("Asia/Shanghai")
START = int(datetime(2026, 11, 20, 0, 0, tzinfo=ZONE).timestamp() * 1000)
END = int(datetime(2026, 11, 21, 12, 0, tzinfo=ZONE).timestamp() * 1000)
LATENESS = 300_000
EVERY_SCENARIO = dict(fraud_rate=0.05, near_miss_rate=0.05, out_of_order_rate=0.05, late_rate=0.02,
                      duplicate_rate=0.02, malformed_rate=0.02, midnight_devices=2)


def options(**overrides):
    base = dict(start_ms=START, end_ms=END, seed=42, count=6_000, devices=100, users=200,
                allowed_lateness_ms=LATENESS)
    return MockOptions(**{**base, **overrides})


@pytest.fixture(scope="module")
def stream():
    return list(MockStream(options(**EVERY_SCENARIO)))


def logs(items, topic=None):
    return [i for i in items if isinstance(i, LogRecord) and (topic is None or i.topic == topic)]


def test_same_seed_same_records_and_another_seed_others():
    first = list(MockStream(options(count=2_000)))
    assert first == list(MockStream(options(count=2_000)))
    assert [i.value for i in logs(first)] != [i.value for i in logs(MockStream(options(count=2_000, seed=43)))]


def test_exactly_count_logs_are_sent(stream):
    assert len(logs(stream)) == 6_000


def test_no_scenario_when_every_rate_is_zero():
    quiet = dict(fraud_rate=0, near_miss_rate=0, out_of_order_rate=0, late_rate=0, duplicate_rate=0,
                 malformed_rate=0, midnight_devices=0)
    items = logs(MockStream(options(count=3_000, **quiet)))
    assert {i.scenario for i in items} == {"normal"}
    ts = [json.loads(i.value)["ts"] for i in items]
    assert ts == sorted(ts), "without scenarios logs arrive in event-time order"


def _parsed(items):
    return [(i, json.loads(i.value)) for i in logs(items) if i.scenario != "malformed"]


def _coupon_devices(items, kind):
    """Events of the devices made for a scenario (whatever their arrival), leaving out bursts the
    end of the run may have cut short."""
    parsed = _parsed(items)
    last_ts = max(record["ts"] for _, record in parsed)
    by_mid = defaultdict(list)
    distinct = {item.value: record for item, record in parsed}  # duplicates count once
    for record in distinct.values():
        if record["mid"].startswith(f"mid_{kind}_") and record["type"] == "event":
            by_mid[record["mid"]].append(record)
    return {mid: events for mid, events in by_mid.items()
            if max(e["ts"] for e in events) < last_ts - 20 * 60_000}


def test_fraud_devices_have_three_accounts_claiming_within_five_minutes_without_browsing(stream):
    devices = _coupon_devices(stream, "fraud")
    assert devices
    for mid, events in devices.items():
        claims = [e for e in events if e["evid"] == "coupon"]
        assert len({e["uid"] for e in claims}) >= 3
        assert max(e["ts"] for e in claims) - min(e["ts"] for e in claims) < 5 * 60_000
        all_events_of_device = [r for _, r in _parsed(stream) if r.get("mid") == mid and r["type"] == "event"]
        assert all(e["evid"] != "clickItem" for e in all_events_of_device)


def test_each_kind_of_near_miss_appears(stream):
    kinds = set()
    for mid, events in _coupon_devices(stream, "nearmiss").items():
        claims = sorted((e for e in events if e["evid"] == "coupon"), key=lambda e: e["ts"])
        clicks = [e for e in events if e["evid"] == "clickItem"]
        accounts = len({e["uid"] for e in claims})
        if accounts == 2:
            kinds.add("two accounts")
        elif clicks:
            assert accounts == 3 and claims[1]["ts"] < clicks[0]["ts"] < claims[2]["ts"]
            kinds.add("click between")
        else:
            assert accounts == 3 and claims[-1]["ts"] - claims[0]["ts"] >= 6 * 60_000
            kinds.add("spread over six minutes")
    assert kinds == {"two accounts", "click between", "spread over six minutes"}


def _arrivals_behind(items, topic):
    """For each log of a topic: how far its ts is behind the newest ts that arrived before it."""
    newest, result = None, []
    for item in logs(items, topic):
        if item.scenario == "malformed":
            continue
        ts = json.loads(item.value)["ts"]
        result.append((item, 0 if newest is None else newest - ts))
        newest = ts if newest is None else max(newest, ts)
    return result


def test_late_logs_arrive_beyond_the_lateness_and_out_of_order_ones_within_it(stream):
    seen = set()
    for topic in ("start", "event"):
        for item, behind in _arrivals_behind(stream, topic):
            if item.scenario == "late":
                assert behind >= 3 * LATENESS
            elif item.scenario == "out_of_order":
                assert behind > 0
            seen.add(item.scenario)
    assert {"late", "out_of_order"} <= seen


def test_duplicates_repeat_an_earlier_log(stream):
    sent = set()
    duplicates = 0
    for item in logs(stream):
        if item.scenario == "duplicate":
            assert item.value in sent
            duplicates += 1
        sent.add(item.value)
    assert duplicates


def test_a_device_starts_just_before_and_after_midnight(stream):
    starts = defaultdict(list)
    for item, record in _parsed(logs(stream, "start")):
        if item.scenario == "midnight":
            starts[record["mid"]].append(datetime.fromtimestamp(record["ts"] / 1000, ZONE))
    assert starts
    for moments in starts.values():
        assert {(m.hour, m.minute, m.second) for m in moments} == {(23, 59, 30), (0, 0, 30)}


def test_malformed_records_break_the_contract_in_each_way(stream):
    problems = set()
    for item in logs(stream):
        if item.scenario != "malformed":
            continue
        try:
            record = json.loads(item.value)
        except json.JSONDecodeError:
            problems.add("bad json")
            continue
        if "mid" not in record:
            problems.add("missing field")
        elif isinstance(record["ts"], str):
            problems.add("wrong type")
        elif record.get("evid") == "teleport" or record.get("uid") is None:
            problems.add("unknown evid or null uid")
    assert problems == {"bad json", "missing field", "wrong type", "unknown evid or null uid"}


def test_row_changes_users_first_orders_with_details_and_consistent_totals(stream):
    changes = [i for i in stream if isinstance(i, RowChange)]
    first_order = next(n for n, c in enumerate(changes) if c.table == "order_info")
    assert all(c.table == "user_info" and c.action == "insert" for c in changes[:200])
    assert first_order >= 200
    details = defaultdict(list)
    for change in changes:
        if change.table == "order_detail" and change.action == "insert":
            details[change.row["order_id"]].append(change.row)
    inserted = [c.row for c in changes if c.table == "order_info" and c.action == "insert"]
    assert len(inserted) == 6_000 // 20
    for order in inserted:
        lines = details[order["id"]]
        assert 1 <= len(lines) <= 5
        assert order["total_amount"] == sum(d["order_price"] * int(d["sku_num"]) for d in lines)
    actions = {(c.table, c.action) for c in changes}
    assert {("order_info", "update"), ("order_info", "delete"), ("order_detail", "delete"),
            ("user_info", "update")} <= actions


@pytest.mark.parametrize("bad", [dict(end_ms=START), dict(count=0), dict(late_rate=1.5)])
def test_impossible_options_are_refused(bad):
    with pytest.raises(ValueError):
        options(**bad)


def test_a_range_too_short_for_the_count_still_ends_with_exactly_count_logs():
    """Visits past the range's end crowd into its last millisecond and must still be sent."""
    options = MockOptions(start_ms=START, end_ms=START + 3 * 3_600_000, count=3000, seed=1, late_rate=0.01)
    assert sum(1 for item in MockStream(options) if isinstance(item, LogRecord)) == 3000
