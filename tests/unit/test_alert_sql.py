"""The coupon alert job's SQL (sql/alert) on in-memory event logs, against the oracle and hand-worked
answers."""

import dataclasses
import datetime
import json
from zoneinfo import ZoneInfo

import pytest

from flink_jobs import alert, jobs
from gmall_rt import reference as oracle
from tests.unit import flink_sql

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = 60_000


def ts(text: str, zone=SHANGHAI) -> int:
    return int(datetime.datetime.fromisoformat(text).replace(tzinfo=zone).timestamp() * 1000)


def event(mid: str, at: str | int, uid: str = "1", evid: str = "coupon", itemid: str = "31") -> str:
    return json.dumps({"type": "event", "mid": mid, "uid": uid, "appid": "gmall2020", "area": "beijing",
                       "os": "ios", "evid": evid, "pgid": "1", "npgid": "2", "itemid": itemid,
                       "ts": at if isinstance(at, int) else ts(at)})


def run_alert(config, lines, tmp_path):
    """(alert documents by id, dead letters) from the job's views, as the sinks receive them."""
    t_env = flink_sql.table_env(config)
    flink_sql.register_source(t_env, alert.JOB, config, "event_log_source", lines, tmp_path)
    jobs.register_views(t_env, alert.JOB, jobs.sql_parameters(config, alert.JOB))
    rows = flink_sql.all_rows(
        t_env, "SELECT id, mid, uids, item_ids, events, window_start, window_end, ts FROM coupon_alerts")
    docs = {}
    for row in rows:
        doc_id = row.pop("id")
        assert doc_id not in docs, f"two alerts with the id {doc_id}"
        docs[doc_id] = dict(
            row, uids=list(row["uids"]), item_ids=list(row["item_ids"]), events=list(row["events"]),
            window_start=row["window_start"].strftime("%Y-%m-%d %H:%M:%S"),
            window_end=row["window_end"].strftime("%Y-%m-%d %H:%M:%S"))
    dead = flink_sql.all_rows(t_env, "SELECT source_topic, reason, `value`, value_base64 FROM app_log_dead_letters")
    return docs, [(d["source_topic"], oracle.dead_letter_value(d), d["reason"]) for d in dead]


def compare(config, lines, tmp_path):
    """The job's alerts and dead letters, checked against the oracle's."""
    lateness_ms = config.time.allowed_lateness_s * 1000
    docs, dead = run_alert(config, lines, tmp_path)
    _starts, accepted = oracle.accepted_records([], lines, lateness_ms)
    assert docs == oracle.coupon_alerts(accepted, config.time.zone)
    want_dead = [(config.topics.event, value, reason)
                 for _topic, value, reason in oracle.dead_letters([], lines, lateness_ms)]
    assert dead == want_dead
    return docs, dead


def three_claims(mid):
    """Coupons of 3 accounts at 00:00:30, 00:01:10 and 00:02:50: windows ending 00:03, 00:04, 00:05."""
    return [event(mid, "2026-11-21 00:00:30", uid="9", itemid="31"),
            event(mid, "2026-11-21 00:01:10", uid="10", itemid="7"),
            event(mid, "2026-11-21 00:02:50", uid="100", itemid="31")]


def test_three_accounts_alert_with_the_documents_fields(config, tmp_path):
    lines = three_claims("mid_a") + [event("mid_a", "2026-11-20 23:58:30", uid="9", evid="addFavor", itemid="5")]
    docs, dead = compare(config, lines, tmp_path)
    assert sorted(docs) == ["mid_a_2026-11-21_00:03", "mid_a_2026-11-21_00:04", "mid_a_2026-11-21_00:05"]
    assert docs["mid_a_2026-11-21_00:03"] == {
        "mid": "mid_a", "uids": ["10", "100", "9"], "item_ids": ["31", "7"], "events": ["addFavor", "coupon"],
        "window_start": "2026-11-20 23:58:00", "window_end": "2026-11-21 00:03:00",
        "ts": ts("2026-11-21 00:03:00")}
    assert docs["mid_a_2026-11-21_00:04"]["events"] == ["coupon"]
    assert dead == []


def test_two_accounts_do_not_alert_and_devices_are_not_mixed(config, tmp_path):
    lines = [event("mid_b", "2026-11-21 00:00:10", uid="1"), event("mid_b", "2026-11-21 00:00:20", uid="1"),
             event("mid_b", "2026-11-21 00:00:30", uid="2"), event("mid_x", "2026-11-21 00:00:40", uid="3")]
    docs, _dead = compare(config, lines, tmp_path)
    assert docs == {}


def test_a_click_inside_the_window_cancels_it_and_one_just_outside_does_not(config, tmp_path):
    inside = three_claims("mid_c") + [event("mid_c", "2026-11-21 00:04:20", evid="clickItem")]
    docs, _dead = compare(config, inside, tmp_path)
    assert sorted(docs) == ["mid_c_2026-11-21_00:03", "mid_c_2026-11-21_00:04"]
    # 00:05:00 is the exclusive end of the last window holding the three claims
    at_end = three_claims("mid_d") + [event("mid_d", "2026-11-21 00:05:00", evid="clickItem")]
    docs, _dead = compare(config, at_end, tmp_path)
    assert len(docs) == 3
    # 2026-11-20 23:59:00 is the inclusive start of the window ending 00:04
    at_start = three_claims("mid_e") + [event("mid_e", "2026-11-20 23:59:00", evid="clickItem")]
    docs, _dead = compare(config, at_start, tmp_path)
    assert sorted(docs) == ["mid_e_2026-11-21_00:05"]


def test_three_accounts_over_six_minutes_do_not_alert(config, tmp_path):
    lines = [event("mid_f", "2026-11-21 00:00:00", uid="1"), event("mid_f", "2026-11-21 00:03:00", uid="2"),
             event("mid_f", "2026-11-21 00:06:00", uid="3")]
    docs, _dead = compare(config, lines, tmp_path)
    assert docs == {}


def test_three_accounts_just_under_five_minutes_alert_once_whatever_their_order(config, tmp_path):
    lines = [event("mid_g", ts("2026-11-21 00:04:59") + 999, uid="1"),
             event("mid_g", "2026-11-21 00:02:00", uid="2"), event("mid_g", "2026-11-21 00:00:00", uid="3")]
    docs, _dead = compare(config, lines, tmp_path)
    assert list(docs) == ["mid_g_2026-11-21_00:05"]


def test_a_burst_over_several_minutes_gives_one_alert_per_window_end_minute(config, tmp_path):
    # 6 accounts claim every 30 seconds from 00:00:00 to 00:02:30, each twice: the windows ending
    # 00:03 to 00:05 hold all six, those ending 00:02 and 00:06 four, 00:01 and 00:07 only two
    lines = [event("mid_h", ts("2026-11-21 00:00:00") + n * 30_000, uid=str(n % 6), itemid=str(n))
             for n in range(6)] * 2
    docs, _dead = compare(config, lines, tmp_path)
    assert sorted(docs) == [f"mid_h_2026-11-21_00:0{m}" for m in range(2, 7)]
    assert docs["mid_h_2026-11-21_00:04"]["uids"] == ["0", "1", "2", "3", "4", "5"]


def test_late_events_are_dead_letters_and_do_not_count(config, tmp_path):
    lateness = config.time.allowed_lateness_s * 1000
    newest = ts("2026-11-21 00:20:00")
    late = event("mid_i", newest - lateness - 1, uid="3")  # a millisecond too late: a dead letter
    lines = [event("mid_i", newest - lateness - 120_000, uid="1"),
             event("mid_i", newest - lateness - 60_000, uid="2"),
             event("mid_j", newest, uid="9"), late]
    docs, dead = compare(config, lines, tmp_path)
    assert docs == {} and dead == [(config.topics.event, late, "late")]


def test_an_event_exactly_at_the_allowed_lateness_still_reaches_its_windows(config, tmp_path):
    # the third claim is exactly the allowed lateness behind the newest event, and on the last
    # millisecond of a window: on time, so it counts in the window ending 00:15 (and 00:16)
    lateness = config.time.allowed_lateness_s * 1000
    third = ts("2026-11-21 00:15:00") - 1
    lines = [event("mid_k", "2026-11-21 00:11:00", uid="1"), event("mid_k", "2026-11-21 00:12:00", uid="2"),
             event("mid_z", third + lateness, uid="9", evid="addCart"), event("mid_k", third, uid="3")]
    docs, dead = compare(config, lines, tmp_path)
    assert sorted(docs) == ["mid_k_2026-11-21_00:15", "mid_k_2026-11-21_00:16"] and dead == []


def test_bad_lines_are_dead_letters_with_their_reason_and_never_move_event_time(config, tmp_path):
    good = json.loads(event("mid_m", "2026-11-21 10:00:00"))
    far_future = dict(good, ts=ts("2026-11-22 10:00:00"))
    lines = [
        event("mid_m", "2026-11-21 10:00:00", uid="1"),
        '{"type":"event","mid":"x"',
        json.dumps(dict(far_future, evid="teleport")),
        json.dumps({k: v for k, v in far_future.items() if k != "itemid"}),
        json.dumps(dict(far_future, type="startup")),
        json.dumps(dict(far_future, uid=7)),
        event("mid_m", "2026-11-21 09:56:00", uid="2"),  # on time: the bad lines did not move the watermark
        event("mid_m", "2026-11-21 09:57:00", uid="3"),
    ]
    docs, dead = compare(config, lines, tmp_path)
    assert [reason for _topic, _value, reason in dead] == [
        "malformed JSON", "unknown evid", "missing field itemid", "wrong type value", "wrong type for uid"]
    assert sorted(docs) == ["mid_m_2026-11-21_10:01"]


def test_accounts_and_items_with_any_characters_are_listed_exactly_and_sorted(config, tmp_path):
    odd = ["a,b", 'say "hi"', "back\\slash", "nul\u0000", "", "é", "Z", "[1]"]
    lines = [event("mid_p", ts("2026-11-21 00:00:00") + n * 1000, uid=uid, itemid=uid) for n, uid in enumerate(odd)]
    docs, _dead = compare(config, lines + lines[:2], tmp_path)
    assert docs["mid_p_2026-11-21_00:01"]["uids"] == sorted(odd)
    assert docs["mid_p_2026-11-21_00:01"]["item_ids"] == sorted(odd)


def test_the_document_id_and_times_follow_the_configured_zone(config, tmp_path):
    utc = dataclasses.replace(config, time=dataclasses.replace(config.time, zone="UTC"))
    docs, _dead = compare(utc, three_claims("mid_n"), tmp_path)  # 16:00:30 UTC on the 20th
    assert sorted(docs) == ["mid_n_2026-11-20_16:03", "mid_n_2026-11-20_16:04", "mid_n_2026-11-20_16:05"]
    assert docs["mid_n_2026-11-20_16:03"]["window_start"] == "2026-11-20 15:58:00"


@pytest.mark.parametrize("seed", [1, 2])
def test_a_generated_stream_matches_the_oracle(config, tmp_path, seed):
    from gmall_rt.mock.generator import LogRecord, MockOptions, MockStream

    options = MockOptions(start_ms=ts("2026-11-20 23:00:00"), end_ms=ts("2026-11-21 01:00:00"),
                          zone=config.time.zone, count=4000, seed=seed, devices=100, orders=0,
                          allowed_lateness_ms=config.time.allowed_lateness_s * 1000, fraud_rate=0.03,
                          near_miss_rate=0.03, late_rate=0.01, out_of_order_rate=0.05,
                          duplicate_rate=0.02, malformed_rate=0.01)
    lines = [item.value for item in MockStream(options)
             if isinstance(item, LogRecord) and item.topic == "event"]
    docs, dead = compare(config, lines, tmp_path)
    assert len(docs) > 10 and any(reason == "late" for _t, _v, reason in dead)
