"""A deterministic stream of the app's activity: start and event logs for Kafka, and the changes of
user_info, order_info and order_detail for MariaDB, interleaved in event-time order.

Same options (seed included), same stream: nothing here reads the clock. Scenarios are injected at
configurable rates: coupon-fraud devices, near misses, out-of-order, late and duplicate logs, starts
across midnight, and malformed records.

Arrival order is event-time order except where a scenario says otherwise, with a margin the oracle
relies on: an out-of-order log arrives at most a quarter of the allowed lateness behind the newest
log before it, a late log at least three times the allowed lateness behind.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterator, NamedTuple
from zoneinfo import ZoneInfo

from gmall_rt.mock import catalog

MINUTE_MS = 60_000


@dataclass(frozen=True)
class MockOptions:
    start_ms: int
    end_ms: int
    zone: str = "Asia/Shanghai"
    seed: int = 1
    count: int = 10_000  # log records to send, injected ones included
    devices: int = 500
    users: int = 1_000
    orders: int = -1  # -1: one order per 20 log records
    allowed_lateness_ms: int = 300_000
    fraud_rate: float = 0.01  # share of visits replaced by a coupon-fraud burst
    near_miss_rate: float = 0.01
    out_of_order_rate: float = 0.02
    late_rate: float = 0.002
    duplicate_rate: float = 0.005
    midnight_devices: int = 3  # devices starting just before and just after each midnight in range
    malformed_rate: float = 0.002
    user_update_rate: float = 0.1  # share of users updated during the run
    order_correction_rate: float = 0.05
    order_delete_rate: float = 0.02

    def __post_init__(self):
        if self.end_ms <= self.start_ms:
            raise ValueError("the event-time range is empty: the end must be after the start")
        if self.count < 1 or self.devices < 1 or self.users < 1:
            raise ValueError("count, devices and users must be at least 1")
        for name in ("fraud_rate", "near_miss_rate", "out_of_order_rate", "late_rate", "duplicate_rate",
                     "malformed_rate", "user_update_rate", "order_correction_rate", "order_delete_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name.replace('_', '-')} must be between 0 and 1")

    @property
    def order_count(self) -> int:
        return self.count // 20 if self.orders < 0 else self.orders


class LogRecord(NamedTuple):  # a tuple: made a million times a run, it must be cheap to build
    topic: str  # "start" or "event" (the runner maps these to the configured topic names)
    value: str
    scenario: str  # "normal", "fraud", "near_miss", "midnight", "out_of_order", "late", "duplicate", "malformed"
    mid: str  # the device: the record's Kafka key, so a device's logs stay in one partition, in order


class RowChange(NamedTuple):
    table: str
    action: str  # "insert", "update" or "delete"
    row: dict  # insert: every column; update: id and the changed columns; delete: id


class _Device(NamedTuple):
    mid: str
    start_head: str
    start_tail: str
    event_head: str
    event_tail: str


class MockStream:
    """Iterate to get LogRecord and RowChange items in arrival order."""

    def __init__(self, options: MockOptions):
        self.options = options
        self.random = random.Random(options.seed)
        self.zone = ZoneInfo(options.zone)
        self._seq = itertools.count()
        # (event time, sequence, item): the sequence keeps equal times in the order they were made
        self._heap: list[tuple[int, int, object]] = []
        # per topic, logs whose arrival is delayed, by release time
        self._held: dict[str, list[tuple[int, int, LogRecord]]] = {"start": [], "event": []}
        self._event_pool = [evid for evid, weight in catalog.EVENT_WEIGHTS for _ in range(weight)]
        self._devices = [self._device_profile(n) for n in range(1, options.devices + 1)]
        self._fraud_serial = itertools.count(1)
        self._near_miss_kinds = itertools.cycle(["two_accounts", "click_between", "spread_six_minutes"])
        self._malformed_kinds = itertools.cycle(["bad_json", "missing_field", "wrong_type", "unknown_evid"])
        self._next_order_id = 1
        self._next_detail_id = 1

    # --- public -----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[LogRecord | RowChange]:
        options = self.options
        yield from self._users()
        span = options.end_ms - options.start_ms
        # a visit sends about 5.5 logs: spread the visits so the count fills the range
        visit_gap = span / max(1.0, options.count / 5.5)
        order_times = self._order_times()
        next_order_ts = next(order_times, None)
        midnights = iter(self._midnights())
        next_midnight = next(midnights, None)
        sent_logs = 0
        visit_ts = float(options.start_ms)
        while sent_logs < options.count:
            # past the end of the range, the remaining visits crowd into its last millisecond
            visit_ts = min(visit_ts + self.random.expovariate(1 / visit_gap), options.end_ms - 1)
            ts = int(visit_ts)
            while next_order_ts is not None and next_order_ts <= ts:
                self._order(next_order_ts)
                next_order_ts = next(order_times, None)
            while next_midnight is not None and next_midnight - 60_000 <= ts:
                self._across_midnight(next_midnight)
                next_midnight = next(midnights, None)
            self._visit(ts)
            # at the range's last millisecond, what is due then must go too, or nothing would
            due = ts + 1 if ts == options.end_ms - 1 else ts
            for item in self._release_up_to(due):
                yield item
                if type(item) is LogRecord:
                    sent_logs += 1
                    if sent_logs >= options.count:
                        break
        if next_order_ts is not None:  # the logs are all sent; the orders still due follow
            for order_ts in itertools.chain([next_order_ts], order_times):
                self._order(order_ts)
        yield from self._drain_changes()

    def _order_times(self) -> Iterator[int]:
        """The options' orders, evenly spread over the event-time range."""
        options = self.options
        gap = (options.end_ms - options.start_ms) / options.order_count if options.order_count else 0
        for n in range(options.order_count):
            yield int(options.start_ms + gap * (n + 0.5))

    # --- users ------------------------------------------------------------------------------
    def _users(self) -> Iterator[RowChange]:
        options, rnd = self.options, self.random
        first_day = datetime.fromtimestamp(options.start_ms / 1000, self.zone).replace(tzinfo=None)
        for user_id in range(1, options.users + 1):
            birthday = date(1960, 1, 1) + timedelta(days=rnd.randrange(0, 365 * 52))
            created = first_day - timedelta(days=rnd.randrange(1, 400), seconds=rnd.randrange(86_400))
            yield RowChange("user_info", "insert", {
                "id": user_id,
                "login_name": f"user{user_id}",
                "nick_name": f"nick{user_id}",
                "passwd": None,
                "name": rnd.choice(catalog.CONSIGNEE_SURNAMES) + rnd.choice(catalog.CONSIGNEE_NAMES),
                "phone_num": f"13{rnd.randrange(10**9):09d}",
                "email": f"user{user_id}@example.com",
                "head_img": None,
                "user_level": rnd.choice(catalog.USER_LEVELS),
                "birthday": birthday,
                "gender": rnd.choice("MF"),
                "create_time": created,
                "operate_time": created,
            })
            if rnd.random() < options.user_update_rate:
                update_ts = options.start_ms + rnd.randrange(options.end_ms - options.start_ms)
                self._push(update_ts, RowChange("user_info", "update", {
                    "id": user_id,
                    "user_level": rnd.choice(catalog.USER_LEVELS),
                    "nick_name": f"nick{user_id}_v2",
                    "operate_time": self._local(update_ts),
                }))

    # --- logs -------------------------------------------------------------------------------
    def _device_profile(self, number: int, mid: str | None = None) -> _Device:
        rnd = self.random
        mid = mid or f"mid_{number}"
        area = rnd.choice(catalog.AREAS)
        os = rnd.choices([o for o, _ in catalog.OPERATING_SYSTEMS], [w for _, w in catalog.OPERATING_SYSTEMS])[0]
        channel, version = rnd.choice(catalog.CHANNELS), rnd.choice(catalog.VERSIONS)
        # the catalog's values and the generated ids need no JSON escaping, so a device's logs are
        # its fixed JSON pieces around the varying values (json.dumps would halve the throughput)
        return _Device(
            mid=mid,
            start_head=f'{{"type":"startup","mid":"{mid}","uid":"',
            start_tail=f'","appid":"{catalog.APP_ID}","area":"{area}","os":"{os}","ch":"{channel}","vs":"{version}","ts":',
            event_head=f'{{"type":"event","mid":"{mid}","uid":"',
            event_tail=f'","appid":"{catalog.APP_ID}","area":"{area}","os":"{os}","evid":"',
        )

    def _start_log(self, device: _Device, uid: int, ts: int) -> str:
        return f"{device.start_head}{uid}{device.start_tail}{ts}}}"

    def _event_log(self, device: _Device, uid: int, evid: str, item: int, ts: int) -> str:
        uniform = self.random.random
        page = 1 + int(uniform() * (catalog.PAGES - 1))
        next_page = 1 + int(uniform() * (catalog.PAGES - 1))
        return (f'{device.event_head}{uid}{device.event_tail}{evid}","pgid":"{page}","npgid":"{next_page}",'
                f'"itemid":"{item}","ts":{ts}}}')

    def _visit(self, ts: int) -> None:
        rnd, options = self.random, self.options
        roll = rnd.random()
        if roll < options.fraud_rate:
            return self._fraud_burst(ts)
        if roll < options.fraud_rate + options.near_miss_rate:
            return self._near_miss(ts)
        uniform = rnd.random
        device = self._devices[int(uniform() * len(self._devices))]
        uid = 1 + int(uniform() * options.users)
        self._push(ts, LogRecord("start", self._start_log(device, uid, ts), "normal", device.mid))
        event_ts = ts
        pool = self._event_pool
        for _ in range(1 + int(uniform() * 8)):
            event_ts += 1_000 + int(uniform() * 7_000)
            evid = pool[int(uniform() * len(pool))]
            item = 1 + int(uniform() * (catalog.ITEMS - 1))
            self._push(event_ts, LogRecord("event", self._event_log(device, uid, evid, item, event_ts), "normal", device.mid))

    def _fresh_device(self, kind: str) -> _Device:
        return self._device_profile(0, mid=f"mid_{kind}_{self.options.seed}_{next(self._fraud_serial)}")

    def _claims(self, device: dict, ts: int, offsets_ms: list[int], scenario: str) -> None:
        """One account per offset starts the app and claims a coupon there; no browsing."""
        rnd = self.random
        accounts = rnd.sample(range(1, self.options.users + 1), len(offsets_ms))
        for uid, offset in zip(accounts, offsets_ms):
            self._push(ts + offset, LogRecord("start", self._start_log(device, uid, ts + offset), scenario, device.mid))
            claim_ts = ts + offset + 500
            item = rnd.randrange(1, catalog.ITEMS)
            self._push(claim_ts, LogRecord("event", self._event_log(device, uid, "coupon", item, claim_ts), scenario, device.mid))

    def _fraud_burst(self, ts: int) -> None:
        """3 to 5 accounts claim coupons on one device within 4 minutes, without browsing."""
        accounts = self.random.randrange(3, 6)
        offsets = sorted(self.random.sample(range(0, 4 * MINUTE_MS, 1_000), accounts))
        self._claims(self._fresh_device("fraud"), ts, offsets, "fraud")

    def _near_miss(self, ts: int) -> None:
        kind = next(self._near_miss_kinds)
        device = self._fresh_device("nearmiss")
        if kind == "two_accounts":
            self._claims(device, ts, [0, 60_000], "near_miss")
        elif kind == "spread_six_minutes":
            self._claims(device, ts, [0, 3 * MINUTE_MS, 6 * MINUTE_MS], "near_miss")
        else:  # three accounts, one of them browses an item between the second and third claim
            self._claims(device, ts, [0, 30_000, 90_000], "near_miss")
            click_ts = ts + 60_000
            self._push(click_ts, LogRecord("event", self._event_log(device, 1, "clickItem", 1, click_ts), "near_miss", device.mid))

    def _midnights(self) -> list[int]:
        options = self.options
        day = datetime.fromtimestamp(options.start_ms / 1000, self.zone).date() + timedelta(days=1)
        result = []
        while True:
            midnight = int(datetime(day.year, day.month, day.day, tzinfo=self.zone).timestamp() * 1000)
            if midnight + 60_000 >= options.end_ms:
                return result
            if midnight - 60_000 > options.start_ms:
                result.append(midnight)
            day += timedelta(days=1)

    def _across_midnight(self, midnight_ms: int) -> None:
        """A device starts the app 30 s before midnight and again 30 s after: active on both days."""
        for device in self.random.sample(self._devices, min(self.options.midnight_devices, len(self._devices))):
            uid = self.random.randrange(1, self.options.users + 1)
            for ts in (midnight_ms - 30_000, midnight_ms + 30_000):
                self._push(ts, LogRecord("start", self._start_log(device, uid, ts), "midnight", device.mid))

    # --- orders -----------------------------------------------------------------------------
    def _local(self, ts: int) -> datetime:
        return datetime.fromtimestamp(ts / 1000, self.zone).replace(tzinfo=None, microsecond=0)

    def _order(self, ts: int) -> None:
        rnd, options = self.random, self.options
        order_id = self._next_order_id
        self._next_order_id += 1
        created = self._local(ts)
        details, total = [], Decimal("0.00")
        for sku_id, sku_name, price in rnd.sample(catalog.SKUS, rnd.randrange(1, 6)):
            quantity = rnd.randrange(1, 4)
            total += price * quantity
            details.append({
                "id": self._next_detail_id, "order_id": order_id, "sku_id": sku_id, "sku_name": sku_name,
                "img_url": None, "order_price": price, "sku_num": str(quantity), "create_time": created,
            })
            self._next_detail_id += 1
        self._push(ts, RowChange("order_info", "insert", {
            "id": order_id,
            "consignee": rnd.choice(catalog.CONSIGNEE_SURNAMES) + rnd.choice(catalog.CONSIGNEE_NAMES),
            "consignee_tel": f"13{rnd.randrange(10**9):09d}",
            "total_amount": total,
            "order_status": catalog.ORDER_STATUS_UNPAID,
            "user_id": rnd.randrange(1, options.users + 1),
            "payment_way": rnd.choice(catalog.PAYMENT_WAYS),
            "delivery_address": f"第{rnd.randrange(1, 100)}大街{rnd.randrange(1, 50)}号",
            "order_comment": None, "out_trade_no": str(rnd.randrange(10**11, 10**12)),
            "trade_body": details[0]["sku_name"], "create_time": created, "operate_time": created,
            "expire_time": created + timedelta(minutes=15), "tracking_no": None, "parent_order_id": None,
            "img_url": None, "province_id": rnd.randrange(1, catalog.PROVINCES + 1),
        }))
        for detail in details:
            self._push(ts, RowChange("order_detail", "insert", detail))
        later = ts + rnd.randrange(MINUTE_MS, 30 * MINUTE_MS)
        status = catalog.ORDER_STATUS_PAID if rnd.random() < 0.8 else catalog.ORDER_STATUS_CANCELLED
        self._push(later, RowChange("order_info", "update",
                                    {"id": order_id, "order_status": status, "operate_time": self._local(later)}))
        if status == catalog.ORDER_STATUS_PAID and rnd.random() < 0.5:
            finished = later + rnd.randrange(MINUTE_MS, 60 * MINUTE_MS)
            self._push(finished, RowChange("order_info", "update", {
                "id": order_id, "order_status": catalog.ORDER_STATUS_FINISHED, "operate_time": self._local(finished)}))
        if rnd.random() < options.order_correction_rate:
            corrected = ts + rnd.randrange(1_000, MINUTE_MS)
            discount = (total * Decimal(rnd.choice(["0.05", "0.10", "0.20"]))).quantize(Decimal("0.01"))
            self._push(corrected, RowChange("order_info", "update", {
                "id": order_id, "total_amount": total - discount, "operate_time": self._local(corrected)}))
        if rnd.random() < options.order_delete_rate:
            deleted = later + rnd.randrange(1_000, MINUTE_MS)
            for detail in details:
                self._push(deleted, RowChange("order_detail", "delete", {"id": detail["id"]}))
            self._push(deleted, RowChange("order_info", "delete", {"id": order_id}))

    # --- arrival order ----------------------------------------------------------------------
    def _push(self, ts: int, item: object) -> None:
        heapq.heappush(self._heap, (ts, next(self._seq), item))

    def _release_up_to(self, ts: int) -> Iterator[LogRecord | RowChange]:
        """Everything due before ts, in event-time order, with the arrival-order scenarios applied."""
        heap, pop, arrive = self._heap, heapq.heappop, self._arrive
        while heap and heap[0][0] < ts:
            pending_ts, _, item = pop(heap)
            if type(item) is RowChange:
                yield item
            else:
                yield from arrive(pending_ts, item)

    def _drain_changes(self) -> Iterator[RowChange]:
        """At the end only the database changes still queued are applied: logs stop at the count."""
        while self._heap:
            item = heapq.heappop(self._heap)[2]
            if type(item) is RowChange:
                yield item

    def _arrive(self, ts: int, item: LogRecord) -> Iterator[LogRecord]:
        rnd, options, lateness = self.random, self.options, self.options.allowed_lateness_ms
        roll = rnd.random()
        if roll < options.late_rate + options.out_of_order_rate:
            late = roll < options.late_rate
            hold = rnd.randrange(3 * lateness, 5 * lateness + 1) if late else rnd.randrange(lateness // 10, lateness // 4 + 1)
            held = LogRecord(item.topic, item.value, "late" if late else "out_of_order", item.mid)
            heapq.heappush(self._held[item.topic], (ts + hold, next(self._seq), held))
            return
        yield item
        if rnd.random() < options.duplicate_rate:
            yield LogRecord(item.topic, item.value, "duplicate", item.mid)
        if rnd.random() < options.malformed_rate:
            yield LogRecord(item.topic, self._malformed(item), "malformed", item.mid)
        # held logs arrive right after the first log of their topic sent at or past their release
        # time, so each finds the newest log of its topic before it at least its hold ahead
        held = self._held[item.topic]
        while held and held[0][0] <= ts:
            yield heapq.heappop(held)[2]

    def _malformed(self, item: LogRecord) -> str:
        kind = next(self._malformed_kinds)
        record = json.loads(item.value)
        if kind == "bad_json":
            return item.value[: len(item.value) // 2]
        if kind == "missing_field":
            del record["mid"]
        elif kind == "wrong_type":
            record["ts"] = self._local(record["ts"]).isoformat()
        elif item.topic == "event":  # unknown evid
            record["evid"] = "teleport"
        else:  # a start log has no evid: its uid is null instead
            record["uid"] = None
        return json.dumps(record, separators=(",", ":"))
