"""Hostile records for the end-to-end tests: what a broken or malicious client may put in a log
topic, drawn from a seeded generator so a run can be repeated.

Each record is a Kafka value as bytes, or None for a record without one. The kinds follow what a
producer can get wrong: random bytes and bytes that are not UTF-8 (inside an otherwise valid log
too), empty values, truncated logs, wrong types and missing fields, any JSON value, numbers of any
length, deep nesting (within the size limit and, unparsed, beyond it), oversized records, duplicate
keys. Some of them are valid logs after all (a duplicate key that repairs a field, say): the oracle,
not the generator, says which are dead letters and why.
"""

from __future__ import annotations

import json
import random
from typing import Any, Callable, Iterator

from gmall_rt import reference as oracle

# the size of the largest records: under the broker's and the producer's 1 MB message limit
LARGEST_RECORD_BYTES = 900_000


def _valid_log(draw: random.Random, log_type: str) -> dict[str, Any]:
    """A log as the contract has it, of a device of its own (``mid_hostile_<n>``)."""
    log = {"type": log_type, "mid": f"mid_hostile_{draw.randrange(1000)}", "uid": str(draw.randrange(1, 500)),
           "appid": "gmall2020", "area": "beijing", "os": "ios"}
    if log_type == oracle.START_TYPE:
        log.update(ch="appstore", vs="1.2.0")
    else:
        log.update(evid=draw.choice(sorted(oracle.EVIDS)), pgid="1", npgid="2", itemid=str(draw.randrange(1, 50)))
    return log


def _json_value(draw: random.Random, depth: int = 0) -> Any:
    kind = draw.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return draw.random() < 0.5
    if kind == 2:
        return draw.randrange(-10**20, 10**20)
    if kind == 3:
        return draw.uniform(-1e12, 1e12)
    if kind == 4:
        return "".join(chr(draw.randrange(0x20, 0x2FFF)) for _ in range(draw.randrange(12)))
    if kind == 5:
        return [_json_value(draw, depth + 1) for _ in range(draw.randrange(4))]
    return {f"k{draw.randrange(9)}": _json_value(draw, depth + 1) for _ in range(draw.randrange(4))}


class HostileLogs:
    """Draws hostile records for a log topic of ``log_type`` ("startup" or "event"). A log in them
    carries a time from ``ts_range`` (epoch ms, end excluded): a test puts it before its valid
    traffic, so that a hostile record that is a valid log after all is late, or early, and never
    makes the valid logs late."""

    def __init__(self, seed: int, log_type: str, ts_range: tuple[int, int]):
        self.draw = random.Random(seed)
        self.log_type = log_type
        self.ts_range = ts_range
        self.kinds: list[Callable[[], bytes | None]] = [
            self.random_bytes, self.not_utf8_inside_a_log, self.empty, self.truncated, self.wrong_type,
            self.missing_field, self.any_json, self.huge_number, self.deep_nesting, self.duplicate_key,
            self.control_characters, self.not_json_numbers,
        ]

    def __iter__(self) -> Iterator[bytes | None]:
        while True:
            # the big ones are few: 64 kB to 900 kB each
            chance = self.draw.random()
            if chance < 0.003:
                yield self.oversized()
            elif chance < 0.008:
                yield self.near_the_size_limit()
            else:
                yield self.draw.choice(self.kinds)()

    def log(self) -> dict[str, Any]:
        return {**_valid_log(self.draw, self.log_type), "ts": self.draw.randrange(*self.ts_range)}

    def text(self) -> str:
        return json.dumps(self.log(), ensure_ascii=False)

    def random_bytes(self) -> bytes:
        return self.draw.randbytes(self.draw.randrange(1, 200))

    def not_utf8_inside_a_log(self) -> bytes:
        valid = self.text().encode()
        cut = self.draw.randrange(1, len(valid))
        bad = self.draw.choice([b"\xed\xa0\x80", b"\x80", b"\xc3", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\xff\xfe"])
        return valid[:cut] + bad + valid[cut:]

    def empty(self) -> bytes | None:
        return self.draw.choice([None, b"", b" ", b"\n", b"null", b"{}", b"[]"])

    def truncated(self) -> bytes:
        valid = self.text().encode()
        return valid[:self.draw.randrange(len(valid))]

    def wrong_type(self) -> bytes:
        log = self.log()
        log[self.draw.choice(sorted(log))] = _json_value(self.draw)
        return json.dumps(log).encode()

    def missing_field(self) -> bytes:
        log = self.log()
        del log[self.draw.choice(sorted(log))]
        return json.dumps(log).encode()

    def any_json(self) -> bytes:
        return json.dumps(_json_value(self.draw)).encode()

    def huge_number(self) -> bytes:
        field = self.draw.choice(["ts", "extra", "uid"])
        log = {k: v for k, v in self.log().items() if k != field}
        digits = "9" * int(10 ** self.draw.uniform(1.3, 4.7))  # 20 to 50,000 digits
        return (json.dumps(log)[:-1] + f', "{field}": {self.draw.choice(["", "-"])}{digits}}}').encode()

    def deep_nesting(self) -> bytes:
        depth = self.draw.choice([100, 1_000, 5_000, 30_000]) if self.draw.random() < 0.2 else 10
        closed = self.draw.random() < 0.7
        nest = "[" * depth + "]" * (depth if closed else depth - 1)
        return (json.dumps(self.log())[:-1] + f', "extra": {nest}}}').encode()

    def duplicate_key(self) -> bytes:
        key = self.draw.choice(sorted(self.log()))
        again = self.draw.choice(['5', '"x"', "null", json.dumps(self.text())])
        return (self.text()[:-1] + f', "{key}": {again}}}').encode()

    def control_characters(self) -> bytes:
        text = self.text()
        cut = self.draw.randrange(1, len(text))
        return (text[:cut] + chr(self.draw.randrange(0, 0x20)) + text[cut:]).encode()

    def not_json_numbers(self) -> bytes:
        return (self.text()[:-1] + f', "ts": {self.draw.choice(["NaN", "Infinity", "-Infinity", "1e999", "0x10"])}}}').encode()

    def near_the_size_limit(self) -> bytes:
        """A valid log padded to the size limit, a few bytes under or over it."""
        head = json.dumps({**self.log(), "pad": ""})[:-2]
        fill = oracle.MAX_LOG_BYTES - len(head) - 2 + self.draw.randrange(-3, 4)
        return (head + "x" * fill + '"}').encode()

    def oversized(self) -> bytes:
        size = self.draw.randrange(oracle.MAX_LOG_BYTES + 1, LARGEST_RECORD_BYTES)
        filler = self.draw.choice(["9" * size, "[" * size, "\u00e9" * (size // 2)])
        return (json.dumps(self.log())[:-1] + f', "extra": "{filler}"}}').encode()


def hostile_logs(seed: int, log_type: str, ts_range: tuple[int, int], count: int) -> list[bytes | None]:
    """``count`` hostile records for a log topic of ``log_type`` (see :class:`HostileLogs`)."""
    records = iter(HostileLogs(seed, log_type, ts_range))
    return [next(records) for _ in range(count)]
