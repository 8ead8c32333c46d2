"""The DAU job's SQL (sql/dau) on in-memory start logs, against the oracle and hand-worked answers."""

import dataclasses
import datetime
import json
from zoneinfo import ZoneInfo

import pytest

from flink_jobs import dau, jobs
from gmall_rt import reference as oracle
from tests.unit import flink_sql

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ts(text: str, zone=SHANGHAI) -> int:
    return int(datetime.datetime.fromisoformat(text).replace(tzinfo=zone).timestamp() * 1000)


def start(mid: str, at: str, uid: str = "1", area: str = "beijing", zone=SHANGHAI) -> str:
    return json.dumps({"type": "startup", "mid": mid, "uid": uid, "appid": "gmall2020", "area": area,
                       "os": "ios", "ch": "appstore", "vs": "1.2.0", "ts": ts(at, zone)})


def run_dau(config, lines, tmp_path):
    """(GMALL_DAU rows by (day, mid), dau_hour by (day, hour), dead letters) from the job's views."""
    t_env = flink_sql.table_env(config)
    flink_sql.register_source(t_env, dau.JOB, config, "start_log_source", lines, tmp_path)
    jobs.register_views(t_env, dau.JOB, jobs.sql_parameters(config, dau.JOB))
    devices = flink_sql.final_rows(
        t_env, "SELECT mid, uid, appid, area, os, ch, vs, log_date, log_hour, ts FROM daily_first_starts",
        key=("log_date", "mid"))
    hours = flink_sql.final_rows(t_env, "SELECT dt, hr, dau FROM dau_by_hour", key=("dt", "hr"))
    dead = flink_sql.all_rows(t_env, "SELECT source_topic, reason, `value`, value_base64 FROM app_log_dead_letters")
    return (
        {(datetime.date.fromisoformat(k[0]), k[1]): row for k, row in devices.items()},
        {(k[0], k[1]): row["dau"] for k, row in hours.items()},
        [(d["source_topic"], oracle.dead_letter_value(d), d["reason"]) for d in dead],
    )


def expected(config, lines):
    lateness_ms, max_future_ms = config.time.allowed_lateness_s * 1000, config.time.max_future_s * 1000
    accepted, _events = oracle.accepted_records(lines, [], lateness_ms, max_future_ms)
    rows = oracle.dau_rows(accepted, config.time.zone)
    return (
        {key: (row["UID"], row["LOGDATE"], row["LOGHOUR"], row["TS"]) for key, row in rows.items()},
        oracle.dau_by_hour(accepted, config.time.zone),
        oracle.dead_letters(lines, [], lateness_ms, max_future_ms),
    )


def compare(config, lines, tmp_path):
    devices, hours, dead = run_dau(config, lines, tmp_path)
    want_devices, want_hours, want_dead = expected(config, lines)
    assert {k: (r["uid"], r["log_date"], r["log_hour"], r["ts"]) for k, r in devices.items()} == want_devices
    assert hours == want_hours
    assert dead == want_dead
    return devices, hours, dead


def test_an_earlier_start_arriving_later_moves_the_device_to_its_hour(config, tmp_path):
    lines = [start("a", "2026-11-20 10:01:00", uid="7"),
             start("b", "2026-11-20 10:02:00"),
             start("a", "2026-11-20 09:58:00", uid="8")]  # 3 minutes behind: out of order, not late
    devices, hours, dead = compare(config, lines, tmp_path)
    day = datetime.date(2026, 11, 20)
    assert hours == {(day, 9): 1, (day, 10): 1}
    assert devices[(day, "a")]["uid"] == "8" and devices[(day, "a")]["log_hour"] == 9
    assert dead == []


def test_a_late_start_is_a_dead_letter_and_does_not_count(config, tmp_path):
    late = start("c", "2026-11-20 09:50:00")  # 11 minutes behind the newest log, lateness is 5
    lines = [start("a", "2026-11-20 10:01:00"), late, start("a", "2026-11-20 09:56:00")]
    devices, hours, dead = compare(config, lines, tmp_path)
    day = datetime.date(2026, 11, 20)
    assert dead == [(config.topics.start, late, "late")]
    assert hours == {(day, 9): 1}  # a's 09:56 start is exactly on the watermark's edge: on time
    assert (day, "c") not in devices


def test_lateness_is_judged_within_each_kafka_partition(config, tmp_path):
    on_other_partition = start("b", "2026-11-20 09:50:00")  # 10 minutes behind partition 0: its own
    late = start("c", "2026-11-20 09:50:00")  # 10 minutes behind partition 0's newest: late
    lines = [oracle.KafkaRecord(start("a", "2026-11-20 10:00:00"), partition=0),
             oracle.KafkaRecord(on_other_partition, partition=1),
             oracle.KafkaRecord(late, partition=0),
             oracle.KafkaRecord(start("d", "2026-11-20 09:45:00"), partition=1)]  # 5 min: the edge
    devices, hours, dead = compare(config, lines, tmp_path)
    day = datetime.date(2026, 11, 20)
    assert dead == [(config.topics.start, late, "late")]
    assert hours == {(day, 9): 2, (day, 10): 1}


def test_a_device_with_a_wrong_clock_is_a_dead_letter_and_stalls_nobody(config, tmp_path):
    sent_at = ts("2026-11-20 10:00:00")
    years_ahead = start("x", "2030-01-01 00:00:00")
    just_too_far = start("y", "2026-11-20 10:01:00.001")  # max_future_s (60 s) and 1 ms ahead
    lines = [oracle.KafkaRecord(start("a", "2026-11-20 10:00:00"), 0, sent_at),
             oracle.KafkaRecord(years_ahead, 0, sent_at),
             oracle.KafkaRecord(just_too_far, 0, sent_at),
             oracle.KafkaRecord(start("z", "2026-11-20 10:01:00"), 0, sent_at),  # 60 s ahead: the edge
             oracle.KafkaRecord(start("b", "2026-11-20 09:57:00"), 0, sent_at + 1000)]
    _devices, hours, dead = compare(config, lines, tmp_path)
    day = datetime.date(2026, 11, 20)
    assert dead == [(config.topics.start, years_ahead, "clock skew"), (config.topics.start, just_too_far, "clock skew")]
    assert hours == {(day, 9): 1, (day, 10): 2}  # b, 3 minutes behind, is on time: x moved nothing


def test_a_repeated_log_counts_once(config, tmp_path):
    line = start("a", "2026-11-20 10:01:00")
    _devices, hours, dead = compare(config, [line, line, start("b", "2026-11-20 10:03:00"), line], tmp_path)
    assert hours == {(datetime.date(2026, 11, 20), 10): 2} and dead == []


def test_a_device_across_midnight_counts_on_both_days(config, tmp_path):
    lines = [start("a", "2026-11-20 23:59:50"), start("a", "2026-11-21 00:00:10"),
             start("a", "2026-11-21 00:00:05")]
    devices, hours, _dead = compare(config, lines, tmp_path)
    assert hours == {(datetime.date(2026, 11, 20), 23): 1, (datetime.date(2026, 11, 21), 0): 1}
    assert devices[(datetime.date(2026, 11, 21), "a")]["ts"] == ts("2026-11-21 00:00:05")


def test_the_business_day_follows_the_configured_zone(config, tmp_path):
    utc = dataclasses.replace(config, time=dataclasses.replace(config.time, zone="UTC"))
    lines = [start("a", "2026-11-21 07:30:00")]  # 23:30 UTC on the 20th
    _devices, hours, _dead = compare(utc, lines, tmp_path)
    assert hours == {(datetime.date(2026, 11, 20), 23): 1}


def test_bad_lines_are_dead_letters_with_their_reason_and_never_move_event_time(config, tmp_path):
    good = json.loads(start("a", "2026-11-20 10:00:00"))
    far_future = dict(good, ts=ts("2026-11-21 10:00:00"))
    lines = [
        start("a", "2026-11-20 10:00:00"),
        '{"type":"startup","mid":"x"',  # cut short
        "[1, 2]",
        json.dumps({k: v for k, v in far_future.items() if k != "uid"}),  # a day ahead, but no uid
        json.dumps(dict(far_future, mid=12)),
        json.dumps(dict(far_future, ts=1.5e12)),
        json.dumps(dict(far_future, ts="1763654400000")),
        json.dumps(dict(far_future, type="event")),
        json.dumps(dict(far_future, ts=-5)),
        json.dumps(dict(far_future, vs=None)),
        start("b", "2026-11-20 09:58:00"),  # on time: the bad lines above did not move the watermark
    ]
    _devices, hours, dead = compare(config, lines, tmp_path)
    assert [reason for _topic, _value, reason in dead] == [
        "malformed JSON", "not a JSON object", "missing field uid", "wrong type for mid",
        "wrong type for ts", "wrong type for ts", "wrong type value", "ts out of range", "missing field vs"]
    assert hours == {(datetime.date(2026, 11, 20), 9): 1, (datetime.date(2026, 11, 20), 10): 1}


@pytest.mark.parametrize("seed", [1, 2])
def test_a_generated_stream_matches_the_oracle(config, tmp_path, seed):
    from gmall_rt.mock.generator import LogRecord, MockOptions, MockStream

    options = MockOptions(start_ms=ts("2026-11-19 23:00:00"), end_ms=ts("2026-11-20 02:00:00"),
                          zone=config.time.zone, count=3000, seed=seed, devices=300, orders=0,
                          allowed_lateness_ms=config.time.allowed_lateness_s * 1000,
                          late_rate=0.01, out_of_order_rate=0.05, duplicate_rate=0.02, malformed_rate=0.01)
    lines = [item.value for item in MockStream(options)
             if isinstance(item, LogRecord) and item.topic == "start"]
    assert len(lines) > 300
    compare(config, lines, tmp_path)
