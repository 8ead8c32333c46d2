"""Hostile input to the log validation both log jobs share (sql/logs), run as the DAU job's own SQL
on in-memory rows: generated malformed start logs among valid ones. Each bad line is a
dead letter exactly once, with the reason the oracle gives, and the valid logs' outputs are the
oracle's. Each example is a few hundred drawn lines among some 120 valid logs, one run of the job.

Hypothesis draws the records: random text and random bytes (most not UTF-8), records without a
value, truncated logs, wrong types and values in each field, missing fields, any JSON value,
numbers of any length, deep nesting, duplicate keys, records just over the size limit. Each record
reaches the job as bytes, as from Kafka. CI runs the "ci" profile (fixed seed, few examples,
tests/conftest.py); `pytest --hypothesis-profile=long tests/unit/test_hostile_logs.py` searches
longer."""

import json

from hypothesis import given, strategies as st

from gmall_rt.mock.generator import LogRecord, MockOptions, MockStream
from gmall_rt import reference as oracle
from tests.unit.test_dau_sql import compare, ts

FIELDS = ("type", "mid", "uid", "appid", "area", "os", "ch", "vs", "ts")
# text a record can carry as UTF-8: no lone surrogates (those only come as bytes, below)
CHARACTERS = st.characters(blacklist_categories=("Cs",))
VALID = {"type": "startup", "mid": "mid_hostile", "uid": "7", "appid": "gmall2020", "area": "beijing",
         "os": "ios", "ch": "appstore", "vs": "1.2.0", "ts": ts("2026-11-20 00:30:00")}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(CHARACTERS, max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(CHARACTERS, max_size=8), inner, max_size=4),
    max_leaves=8)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


HOSTILE_LINES = st.one_of(
    st.text(CHARACTERS, max_size=80),
    st.binary(max_size=80),
    # a valid log with bytes that are not UTF-8 inside a field: an encoded surrogate, a stray byte
    st.tuples(st.sampled_from([b"\xed\xa0\x80", b"\x80", b"\xc3", b"\xf4\x90\x80\x80", b"\xc0\xaf"]),
              st.integers(1, len(dumps(VALID)) - 1)).map(
        lambda bad: dumps(VALID).encode()[:bad[1]] + bad[0] + dumps(VALID).encode()[bad[1]:]),
    st.none(),
    # a valid log padded to just within or just over the size limit
    st.integers(-2, 2).map(lambda over: dumps({**VALID, "pad": ""})[:-2]
                           + "x" * (oracle.MAX_LOG_BYTES - len(dumps({**VALID, "pad": ""})) + over) + '"}'),
    st.integers(0, len(dumps(VALID)) - 1).map(lambda cut: dumps(VALID)[:cut]),
    st.tuples(st.sampled_from(FIELDS), JSON_VALUES).map(lambda change: dumps({**VALID, change[0]: change[1]})),
    st.sampled_from(FIELDS).map(lambda gone: dumps({k: v for k, v in VALID.items() if k != gone})),
    JSON_VALUES.map(dumps),
    # huge numbers and deep nesting, as the log's time or in a field the jobs do not use
    st.tuples(st.sampled_from(["ts", "extra"]), st.integers(20, 6_000)).map(
        lambda huge: dumps({k: v for k, v in VALID.items() if k != huge[0]})[:-1] + f', "{huge[0]}": ' + "9" * huge[1] + "}"),
    st.integers(50, 500).map(lambda depth: dumps(VALID)[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"),
    st.integers(50, 500).map(lambda depth: dumps(VALID)[:-1] + ', "extra": ' + "[" * depth + "]" * (depth - 1) + "}"),
    # a repeated key: the last one counts, for the parser and the oracle alike
    st.sampled_from(FIELDS).map(lambda key: dumps(VALID)[:-1] + f', "{key}": 5}}'),
    st.sampled_from(["", " ", "null", "[]", "{}", '"startup"', "{" * 5, "}"]),
)


def valid_start_logs(seed: int) -> list[str]:
    options = MockOptions(start_ms=ts("2026-11-19 23:00:00"), end_ms=ts("2026-11-20 02:00:00"), zone="Asia/Shanghai",
                          count=600, seed=seed, devices=100, orders=0, malformed_rate=0.0)
    return [item.value for item in MockStream(options) if isinstance(item, LogRecord) and item.topic == "start"]


@given(hostile=st.lists(HOSTILE_LINES, min_size=150, max_size=300), order=st.randoms(use_true_random=False),
       seed=st.integers(1, 1_000))
def test_hostile_lines_among_valid_logs_are_dead_letters_once_and_the_valid_logs_count(
        config, tmp_path_factory, hostile, order, seed):
    lines = valid_start_logs(seed) + hostile
    order.shuffle(lines)
    _devices, _hours, dead = compare(config, lines, tmp_path_factory.mktemp("hostile"))
    assert len(dead) >= len(hostile) * 0.9  # nearly every drawn line is a bad one (a few may be valid)
