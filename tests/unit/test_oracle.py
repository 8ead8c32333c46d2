"""The oracle against small inputs whose answers are worked out by hand here."""

import datetime
import json
from decimal import Decimal

import pytest

from gmall_rt import reference as oracle

# 2025-11-21 00:00:00 in Asia/Shanghai (UTC+8) = 2025-11-20T16:00:00Z
MIDNIGHT_SHANGHAI = 1763654400000
MINUTE = 60_000
HOUR = 60 * MINUTE
SHANGHAI = "Asia/Shanghai"
NOV_20 = datetime.date(2025, 11, 20)
NOV_21 = datetime.date(2025, 11, 21)

START_DEFAULTS = {
    "type": "startup", "mid": "mid_1", "uid": "345", "appid": "gmall2020", "area": "beijing",
    "os": "ios", "ch": "appstore", "vs": "1.2.0", "ts": MIDNIGHT_SHANGHAI,
}
EVENT_DEFAULTS = {
    "type": "event", "mid": "mid_1", "uid": "345", "appid": "gmall2020", "area": "beijing",
    "os": "ios", "evid": "coupon", "pgid": "12", "npgid": "3", "itemid": "31",
    "ts": MIDNIGHT_SHANGHAI,
}


def start_log(drop=(), **fields):
    record = {**START_DEFAULTS, **fields}
    return json.dumps({name: value for name, value in record.items() if name not in drop})


def event_log(drop=(), **fields):
    record = {**EVENT_DEFAULTS, **fields}
    return json.dumps({name: value for name, value in record.items() if name not in drop})


def start(**fields):
    return {**START_DEFAULTS, **fields}


def event(**fields):
    return {**EVENT_DEFAULTS, **fields}


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, reason",
    [
        ('{"type": "startup", "mid": ', "malformed JSON"),  # truncated
        ('{"type": "startup", "ts": NaN}', "malformed JSON"),  # NaN is not JSON
        ("[" * 60_000, "malformed JSON"),  # deep, and never closed
        (None, "null value"),  # a record without a value
        ("[" * 65_537, "oversized"),  # over 64 KiB, not parsed
        (start_log(mid="\u00e9" * 32_000), "oversized"),  # 64,000 characters, but 2 bytes each in UTF-8
        (start_log().encode()[:20] + b"\xed\xa0\x80" + start_log().encode()[20:], "invalid UTF-8"),  # a surrogate
        (b"\xff", "invalid UTF-8"),
        ("[1, 2]", "not a JSON object"),
        ('"startup"', "not a JSON object"),
        (start_log(drop=("type",)), "missing field type"),
        (start_log(type="event"), "wrong type value"),  # an event log on the start topic
        (start_log(drop=("mid",)), "missing field mid"),  # absent
        (start_log(uid=None), "missing field uid"),  # null
        (start_log(drop=("vs",)), "missing field vs"),
        (start_log(drop=("ts",)), "missing field ts"),
        (start_log(mid=12), "wrong type for mid"),  # a number, not a string
        (start_log(ch=["appstore"]), "wrong type for ch"),
        (start_log(ts=str(MIDNIGHT_SHANGHAI)), "wrong type for ts"),  # a string
        (start_log(ts=float(MIDNIGHT_SHANGHAI)), "wrong type for ts"),  # 1763654400000.0
        (start_log(ts=True), "wrong type for ts"),  # a bool is not an integer
        (start_log(ts=0), "ts out of range"),
        (start_log(ts=-5), "ts out of range"),
        (start_log(ts=253402214400000), "ts out of range"),  # 9999-12-31T00:00Z
        (start_log(drop=("mid",), ts="x"), "missing field mid"),  # the first failing rule wins
    ],
)
def test_start_log_dead_letter_reasons(value, reason):
    assert oracle.dead_letters([value], [], 0) == [("gmall_start", value, reason)]


def test_a_log_nested_deeper_than_pythons_recursion_limit_is_parsed_as_the_jobs_parse_it():
    deep = start_log()[:-1] + ', "extra": ' + "[" * 30_000 + "]" * 30_000 + "}"
    assert oracle.dead_letters([deep], [], 0) == []
    assert oracle.record_value(b"\xc3\xa9") == "\u00e9" and oracle.record_value(b"\xc3") == b"\xc3"


@pytest.mark.parametrize(
    "value, reason",
    [
        ("not json", "malformed JSON"),
        (event_log(type="startup"), "wrong type value"),  # a start log on the event topic
        (event_log(drop=("evid",)), "missing field evid"),
        (event_log(itemid=None), "missing field itemid"),
        (event_log(npgid=3), "wrong type for npgid"),
        (event_log(evid="share"), "unknown evid"),
        (event_log(evid="Coupon"), "unknown evid"),  # evids are case-sensitive
        (event_log(ts=1.7e12), "wrong type for ts"),
    ],
)
def test_event_log_dead_letter_reasons(value, reason):
    assert oracle.dead_letters([], [value], 0) == [("gmall_event", value, reason)]


def test_valid_logs_are_accepted_parsed_and_extra_fields_are_fine():
    start_value = start_log(extra={"a": 1})
    event_value = event_log(evid="addComment", uid="")  # an empty string is still a string
    start_records, event_records = oracle.accepted_records([start_value], [event_value], 0)
    assert start_records == [{**START_DEFAULTS, "extra": {"a": 1}}]
    assert event_records == [{**EVENT_DEFAULTS, "evid": "addComment", "uid": ""}]
    assert oracle.dead_letters([start_value], [event_value], 0) == []


def test_lateness_per_topic_in_arrival_order():
    start_values = [
        start_log(ts=100_000),  # first record: never late; max_ts = 100000
        start_log(ts=95_000),  # == 100000 - 5000: on the boundary, not late
        start_log(ts=94_999),  # < 95000: late
        start_log(ts=1_000_000, mid=7),  # invalid: does not move max_ts
        start_log(ts=96_000),  # still judged against max_ts 100000: on time
        start_log(ts=120_000),  # max_ts = 120000
        start_log(ts=114_999),  # < 115000: late
        start_log(ts=115_000),  # == 115000: on time
    ]
    event_values = [event_log(ts=1_000)]  # the event topic has its own max_ts: on time
    late = oracle.dead_letters(start_values, event_values, 5_000)
    assert late == [
        ("gmall_start", start_values[2], "late"),
        ("gmall_start", start_values[3], "wrong type for mid"),
        ("gmall_start", start_values[6], "late"),
    ]
    start_records, event_records = oracle.accepted_records(start_values, event_values, 5_000)
    assert [record["ts"] for record in start_records] == [100_000, 95_000, 96_000, 120_000, 115_000]
    assert [record["ts"] for record in event_records] == [1_000]


def test_lateness_per_kafka_partition_and_clock_skew():
    records = [
        oracle.KafkaRecord(start_log(ts=100_000), partition=0, timestamp_ms=100_000),
        oracle.KafkaRecord(start_log(ts=90_000), partition=1, timestamp_ms=100_000),  # first of partition 1
        oracle.KafkaRecord(start_log(ts=94_999), partition=0, timestamp_ms=100_000),  # late in partition 0
        oracle.KafkaRecord(start_log(ts=161_000), partition=1, timestamp_ms=100_000),  # 61 s ahead: skew
        oracle.KafkaRecord(start_log(ts=160_000), partition=1, timestamp_ms=100_000),  # 60 s: on time
        oracle.KafkaRecord(start_log(ts=155_000), partition=1),  # no record time; on time: 160000 - 5000
    ]
    assert oracle.dead_letters(records, [], 5_000, 60_000) == [
        ("gmall_start", records[2].value, "late"),
        ("gmall_start", records[3].value, "clock skew"),
    ]
    start_records, _events = oracle.accepted_records(records, [], 5_000, 60_000)
    assert [record["ts"] for record in start_records] == [100_000, 90_000, 160_000, 155_000]
    # without the rule (no max_future_ms) the skewed record counts, and moves partition 1's max_ts
    assert [reason for *_rest, reason in oracle.dead_letters(records, [], 5_000)] == ["late", "late"]


def test_a_late_record_does_not_move_max_ts_and_zero_lateness_allows_equal_ts():
    values = [start_log(ts=50_000), start_log(ts=50_000), start_log(ts=49_999)]
    # lateness 0: ts == max_ts is on time, one millisecond less is late
    assert oracle.dead_letters(values, [], 0) == [("gmall_start", values[2], "late")]


def test_local_time_of_the_example_ts():
    assert oracle.local_time(MIDNIGHT_SHANGHAI, SHANGHAI) == datetime.datetime(
        2025, 11, 21, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )


# --- DAU ----------------------------------------------------------------------------------------


def dau_input():
    return [
        start(mid="mid_1", uid="1", ts=MIDNIGHT_SHANGHAI + 3 * HOUR + 10 * MINUTE),  # 03:10
        start(mid="mid_1", uid="2", ts=MIDNIGHT_SHANGHAI + HOUR + 5 * MINUTE),  # 01:05, earliest
        start(mid="mid_1", uid="3", ts=MIDNIGHT_SHANGHAI + 2 * HOUR),  # 02:00
        start(mid="mid_2", uid="20", ts=MIDNIGHT_SHANGHAI + 90 * MINUTE),  # 01:30
        start(mid="mid_2", uid="21", ts=MIDNIGHT_SHANGHAI + 90 * MINUTE),  # same ts, came later
        start(mid="mid_3", uid="30", ts=MIDNIGHT_SHANGHAI - 1),  # 2025-11-20 23:59:59.999
        start(mid="mid_3", uid="31", ts=MIDNIGHT_SHANGHAI),  # 2025-11-21 00:00:00
    ]


def test_dau_by_hour_counts_each_device_once_per_day_in_its_earliest_hour():
    assert oracle.dau_by_hour(dau_input(), SHANGHAI) == {
        (NOV_21, 1): 2,  # mid_1 (01:05, not 02:00 or 03:10 that arrived around it) and mid_2
        (NOV_21, 0): 1,  # mid_3 on its second day
        (NOV_20, 23): 1,  # mid_3 on its first day, one millisecond before midnight
    }


def test_dau_rows_come_from_the_earliest_start_log_first_arrived_on_ties():
    rows = oracle.dau_rows(dau_input(), SHANGHAI)
    assert set(rows) == {(NOV_21, "mid_1"), (NOV_21, "mid_2"), (NOV_20, "mid_3"), (NOV_21, "mid_3")}
    assert rows[(NOV_21, "mid_1")] == {
        "MID": "mid_1", "UID": "2", "APPID": "gmall2020", "AREA": "beijing", "OS": "ios",
        "CH": "appstore", "VS": "1.2.0", "LOGDATE": "2025-11-21", "LOGHOUR": 1,
        "TS": 1763658300000,  # 1763654400000 + 65 minutes
    }
    assert rows[(NOV_21, "mid_2")]["UID"] == "20"  # tie on ts: the one that arrived first
    assert rows[(NOV_20, "mid_3")]["LOGDATE"] == "2025-11-20"
    assert rows[(NOV_20, "mid_3")]["LOGHOUR"] == 23
    assert rows[(NOV_21, "mid_3")]["LOGHOUR"] == 0


def test_dau_hours_follow_the_zone():
    # 1763654400000 is 2025-11-20 16:00 in UTC
    assert oracle.dau_by_hour([start()], "UTC") == {(NOV_20, 16): 1}


# --- GMV and GMALL_ORDER_INFO -------------------------------------------------------------------


def order(order_id, create_time, total_amount, **columns):
    return {
        "id": order_id, "consignee": "Zhang San", "consignee_tel": "13812345678",
        "total_amount": total_amount, "order_status": "1001", "user_id": 1,
        "payment_way": "1", "delivery_address": "addr", "order_comment": None,
        "out_trade_no": "x", "trade_body": "y", "create_time": create_time,
        "operate_time": None, "expire_time": None, "tracking_no": None,
        "parent_order_id": None, "img_url": None, "province_id": 3, **columns,
    }


def test_gmv_by_hour_from_the_final_state():
    # order 1 was inserted at 100.00 and updated to 80.00; order 6 was deleted, so it is absent
    orders = [
        order(1, datetime.datetime(2025, 11, 21, 10, 5), Decimal("80.00")),
        order(2, datetime.datetime(2025, 11, 21, 10, 59, 59), Decimal("20.50")),
        order(3, datetime.datetime(2025, 11, 21, 11, 0, 0), Decimal("5.00")),
        order(4, datetime.datetime(2025, 11, 21, 11, 30), None),  # NULL amount: left out
        order(5, None, Decimal("9.99")),  # NULL create_time: left out
        order(7, datetime.datetime(2025, 11, 20, 23, 59, 59), Decimal("0.01")),
    ]
    assert oracle.gmv_by_hour(orders) == {
        (NOV_21, 10): (Decimal("100.50"), 2),  # 80.00 + 20.50, two orders in one hour
        (NOV_21, 11): (Decimal("5.00"), 1),  # 11:00:00 belongs to hour 11; order 4 not counted
        (NOV_20, 23): (Decimal("0.01"), 1),
    }


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("13812345678", "138****5678"),
        ("12345678", "123****5678"),  # 8 characters: masked, always 4 asterisks
        ("1234567", "1234567"),  # shorter than 8: as it is
        ("", ""),
        (None, None),
    ],
)
def test_mask_phone(phone, masked):
    assert oracle.mask_phone(phone) == masked


def test_order_info_rows_upper_case_columns_masked_phone_and_create_hour():
    created = datetime.datetime(2025, 11, 21, 10, 5)
    rows = oracle.order_info_rows([order(1, created, Decimal("80.00")), order(5, None, None)])
    assert rows[1] == {
        "ID": 1, "CONSIGNEE": "Zhang San", "CONSIGNEE_TEL": "138****5678",
        "TOTAL_AMOUNT": Decimal("80.00"), "ORDER_STATUS": "1001", "USER_ID": 1,
        "PAYMENT_WAY": "1", "DELIVERY_ADDRESS": "addr", "ORDER_COMMENT": None,
        "OUT_TRADE_NO": "x", "TRADE_BODY": "y", "CREATE_TIME": created, "OPERATE_TIME": None,
        "EXPIRE_TIME": None, "TRACKING_NO": None, "PARENT_ORDER_ID": None, "IMG_URL": None,
        "PROVINCE_ID": 3, "CREATE_DATE": "2025-11-21", "CREATE_HOUR": 10,
    }
    assert (rows[5]["CREATE_DATE"], rows[5]["CREATE_HOUR"]) == (None, None)


# --- coupon alerts ------------------------------------------------------------------------------


def three_claims(mid):
    """Coupons of 3 accounts at 00:00:30, 00:01:10 and 00:02:50 (Shanghai, 2025-11-21).

    A window [end - 5 min, end) holds all three when end > 00:02:50 and end - 5 min <= 00:00:30,
    i.e. for the ends 00:03, 00:04 and 00:05.
    """
    return [
        event(mid=mid, uid="9", itemid="31", ts=MIDNIGHT_SHANGHAI + 30_000),
        event(mid=mid, uid="10", itemid="7", ts=MIDNIGHT_SHANGHAI + 70_000),
        event(mid=mid, uid="100", itemid="31", ts=MIDNIGHT_SHANGHAI + 170_000),
    ]


def test_three_accounts_alert_on_exactly_the_windows_holding_all_three_claims():
    alerts = oracle.coupon_alerts(three_claims("mid_a"), SHANGHAI)
    assert sorted(alerts) == [
        "mid_a_2025-11-21_00:03",
        "mid_a_2025-11-21_00:04",
        "mid_a_2025-11-21_00:05",
    ]


def test_alert_document_fields():
    # an addFavor at 2025-11-20 23:58:30 is in the window ending 00:03, not in the one ending 00:04
    events = three_claims("mid_a") + [
        event(mid="mid_a", uid="9", evid="addFavor", itemid="5", ts=MIDNIGHT_SHANGHAI - 90_000)
    ]
    alerts = oracle.coupon_alerts(events, SHANGHAI)
    assert alerts["mid_a_2025-11-21_00:03"] == {
        "mid": "mid_a",
        "uids": ["10", "100", "9"],  # sorted as strings
        "item_ids": ["31", "7"],  # distinct itemids of the coupons only (not the addFavor's 5)
        "events": ["addFavor", "coupon"],
        "window_start": "2025-11-20 23:58:00",
        "window_end": "2025-11-21 00:03:00",
        "ts": 1763654580000,  # 1763654400000 + 3 minutes
    }
    assert alerts["mid_a_2025-11-21_00:04"]["events"] == ["coupon"]
    assert alerts["mid_a_2025-11-21_00:04"]["window_start"] == "2025-11-20 23:59:00"


def test_two_accounts_do_not_alert_and_devices_are_not_mixed():
    events = [
        event(mid="mid_b", uid="1", ts=MIDNIGHT_SHANGHAI + 10_000),
        event(mid="mid_b", uid="1", ts=MIDNIGHT_SHANGHAI + 20_000),  # the same account again
        event(mid="mid_b", uid="2", ts=MIDNIGHT_SHANGHAI + 30_000),
        event(mid="mid_x", uid="3", ts=MIDNIGHT_SHANGHAI + 40_000),  # a third account, other device
    ]
    assert oracle.coupon_alerts(events, SHANGHAI) == {}


def test_a_click_inside_cancels_only_the_windows_holding_it():
    # a clickItem at 00:04:20 is in the window [00:00, 00:05), not in the ones ending 00:03, 00:04
    events = three_claims("mid_c") + [
        event(mid="mid_c", evid="clickItem", ts=MIDNIGHT_SHANGHAI + 260_000)
    ]
    assert sorted(oracle.coupon_alerts(events, SHANGHAI)) == [
        "mid_c_2025-11-21_00:03",
        "mid_c_2025-11-21_00:04",
    ]


def test_a_click_at_the_window_end_does_not_cancel_but_one_at_the_start_does():
    # 00:05:00 is the exclusive end of the last window: all three windows still alert
    at_end = three_claims("mid_d") + [
        event(mid="mid_d", evid="clickItem", ts=MIDNIGHT_SHANGHAI + 300_000)
    ]
    assert len(oracle.coupon_alerts(at_end, SHANGHAI)) == 3
    # 2025-11-20 23:59:00 is the inclusive start of the window ending 00:04 and inside the one
    # ending 00:03; the window [00:00, 00:05) is clear
    at_start = three_claims("mid_e") + [
        event(mid="mid_e", evid="clickItem", ts=MIDNIGHT_SHANGHAI - MINUTE)
    ]
    assert sorted(oracle.coupon_alerts(at_start, SHANGHAI)) == ["mid_e_2025-11-21_00:05"]


def test_three_accounts_over_six_minutes_do_not_alert():
    events = [
        event(mid="mid_f", uid="1", ts=MIDNIGHT_SHANGHAI),
        event(mid="mid_f", uid="2", ts=MIDNIGHT_SHANGHAI + 3 * MINUTE),
        event(mid="mid_f", uid="3", ts=MIDNIGHT_SHANGHAI + 6 * MINUTE),
    ]
    assert oracle.coupon_alerts(events, SHANGHAI) == {}


def test_three_accounts_just_under_five_minutes_alert_once():
    # 00:00:00, 00:02:00, 00:04:59.999: only [00:00, 00:05) holds all three
    events = [
        event(mid="mid_g", uid="1", ts=MIDNIGHT_SHANGHAI + 4 * MINUTE + 59_999),  # arrives first
        event(mid="mid_g", uid="2", ts=MIDNIGHT_SHANGHAI + 2 * MINUTE),
        event(mid="mid_g", uid="3", ts=MIDNIGHT_SHANGHAI),
    ]
    assert list(oracle.coupon_alerts(events, SHANGHAI)) == ["mid_g_2025-11-21_00:05"]


# --- purchase detail ----------------------------------------------------------------------------

USERS = [
    {"id": 1, "gender": "F", "birthday": datetime.date(2000, 6, 15), "user_level": "2"},
    {"id": 2, "gender": "M", "birthday": datetime.date(2004, 2, 29), "user_level": "1"},
]


def detail(detail_id, order_id, sku_num="2"):
    return {
        "id": detail_id, "order_id": order_id, "sku_id": 500 + detail_id,
        "sku_name": f"sku {detail_id}", "img_url": None, "order_price": Decimal("19.90"),
        "sku_num": sku_num, "create_time": None,
    }


def purchase_input():
    orders = [
        order(10, datetime.datetime(2025, 6, 14, 10, 0, 0), Decimal("39.80"), user_id=1),
        order(11, datetime.datetime(2025, 6, 15, 9, 0, 0), Decimal("1.00"), user_id=1),
        order(12, datetime.datetime(2025, 2, 28, 8, 0, 0), Decimal("1.00"), user_id=2),
        order(13, datetime.datetime(2025, 3, 1, 8, 0, 0), Decimal("1.00"), user_id=2),
        order(14, datetime.datetime(2025, 6, 14, 10, 0, 0), Decimal("1.00"), user_id=99),
        order(15, datetime.datetime(2028, 2, 29, 8, 0, 0), Decimal("1.00"), user_id=2),
    ]
    details = [
        detail(100, 10), detail(101, 11), detail(102, 12), detail(103, 13),
        detail(104, 14),  # its user 99 does not exist
        detail(105, 77),  # its order does not exist
        detail(106, 15, sku_num="two"),
    ]
    return orders, details


def test_purchase_detail_joins_order_line_order_and_user():
    orders, details = purchase_input()
    docs = oracle.purchase_detail_docs(orders, details, USERS)
    assert sorted(docs) == ["100", "101", "102", "103", "106"]  # not 104 (no user), 105 (no order)
    assert docs["100"] == {
        "order_detail_id": 100, "order_id": 10, "order_status": "1001",
        "create_time": "2025-06-14 10:00:00", "dt": "2025-06-14", "user_id": 1,
        "user_gender": "F", "user_age": 24, "user_level": "2", "sku_id": 600,
        "sku_name": "sku 100", "sku_price": Decimal("19.90"), "sku_num": 2, "province_id": 3,
        "total_amount": Decimal("39.80"),
    }
    assert docs["106"]["sku_num"] is None  # 'two' is not a whole number


def test_purchase_detail_age_in_whole_years_on_the_order_date():
    orders, details = purchase_input()
    docs = oracle.purchase_detail_docs(orders, details, USERS)
    ages = {doc_id: doc["user_age"] for doc_id, doc in docs.items()}
    assert ages == {
        "100": 24,  # born 2000-06-15, ordered 2025-06-14: the day before the 25th birthday
        "101": 25,  # ordered on the birthday
        "102": 20,  # born 2004-02-29, 2025-02-28: 2025 has no Feb 29, birthday not yet
        "103": 21,  # 2025-03-01: the Feb-29 birthday counts on Mar 1
        "106": 24,  # 2028-02-29: a leap year, on the birthday itself
    }


@pytest.mark.parametrize(
    "age, band",
    [
        (0, "under 20"), (19, "under 20"), (20, "20-29"), (29, "20-29"), (30, "30+"),
        (None, "unknown"),
    ],
)
def test_age_band(age, band):
    assert oracle.age_band(age) == band


def sale_doc(detail_id, dt, sku_name, gender, age):
    return {
        "order_detail_id": detail_id, "dt": dt, "sku_name": sku_name,
        "user_gender": gender, "user_age": age,
    }


SALE_DOCS = {
    "1": sale_doc(1, "2025-11-21", "小米手机 12", "F", 19),
    "2": sale_doc(2, "2025-11-21", "华为手机", "M", 25),
    "10": sale_doc(10, "2025-11-21", "苹果手机 iPhone 15", "F", 35),
    "4": sale_doc(4, "2025-11-21", "蓝牙耳机", "M", 40),
    "5": sale_doc(5, "2025-11-20", "小米手机", "M", 22),  # another day
}


def test_sale_summary_with_a_keyword():
    summary = oracle.sale_summary(SALE_DOCS, "2025-11-21", "手机")
    assert summary.total == 3  # lines 1, 2, 10; not 4 (no keyword) nor 5 (other day)
    assert summary.gender_share == {"F": Decimal("0.6667"), "M": Decimal("0.3333")}  # 2/3, 1/3
    assert summary.age_band_share == {  # 19, 25, 35: one in each band
        "under 20": Decimal("0.3333"), "20-29": Decimal("0.3333"), "30+": Decimal("0.3333"),
    }
    assert summary.order_detail_ids == ["1", "2", "10"]  # numeric order


@pytest.mark.parametrize("keyword", [None, ""])
def test_sale_summary_without_a_keyword_takes_the_whole_day(keyword):
    summary = oracle.sale_summary(SALE_DOCS, NOV_21, keyword)
    assert summary.total == 4
    assert summary.gender_share == {"F": Decimal("0.5000"), "M": Decimal("0.5000")}  # 2 F, 2 M
    assert summary.age_band_share == {  # 19 | 25 | 35, 40
        "under 20": Decimal("0.2500"), "20-29": Decimal("0.2500"), "30+": Decimal("0.5000"),
    }


def test_sale_summary_keyword_is_case_sensitive_and_empty_results_have_no_shares():
    assert oracle.sale_summary(SALE_DOCS, "2025-11-21", "iPhone").order_detail_ids == ["10"]
    summary = oracle.sale_summary(SALE_DOCS, "2025-11-21", "iphone")
    assert (summary.total, summary.gender_share, summary.age_band_share) == (0, {}, {})


# --- source state -------------------------------------------------------------------------------


class FakeCursor:
    def __init__(self, tables, queries):
        self.tables, self.queries, self.rows = tables, queries, []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, query):
        self.queries.append(query)
        self.rows = self.tables[query.split()[3]]

    def fetchall(self):
        return tuple(self.rows)


class FakeConnection:
    def __init__(self, tables):
        self.tables, self.queries, self.cursor_classes = tables, [], []

    def cursor(self, cursor_class):
        self.cursor_classes.append(cursor_class)
        return FakeCursor(self.tables, self.queries)


def test_load_source_state_reads_the_three_tables_with_a_dict_cursor():
    from pymysql.cursors import DictCursor

    tables = {"user_info": [{"id": 1}], "order_info": [{"id": 10}], "order_detail": [{"id": 100}]}
    connection = FakeConnection(tables)
    state = oracle.load_source_state(connection)
    assert state == oracle.SourceState(
        user_info=[{"id": 1}], order_info=[{"id": 10}], order_detail=[{"id": 100}]
    )
    assert connection.cursor_classes == [DictCursor] * 3
    assert connection.queries == [
        "SELECT * FROM user_info ORDER BY id",
        "SELECT * FROM order_info ORDER BY id",
        "SELECT * FROM order_detail ORDER BY id",
    ]
