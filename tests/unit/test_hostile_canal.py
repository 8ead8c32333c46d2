"""Hostile Canal messages among valid ones, through the jobs' own SQL on in-memory rows, each source
read with the real gmall-canal-json format and each topic's copy with raw, as the jobs read Kafka:
every hostile message is a dead letter exactly once, with the reason the oracle (testkit/canal.py)
gives, or DDL, and the outputs are those of the valid messages alone. One test per Canal topic,
each example a run of the job that reports the topic's dead letters; many hostile rows reuse the
ids of valid ones.

Hypothesis draws the hostile messages: the seed and length of the testkit's generator (its draws
overflow Hypothesis's buffer), any text, and any JSON value in a column of a valid message. CI runs
the "ci" profile (tests/conftest.py). Each message reaches the job as bytes, as from Kafka. (A line
of these files holds neither a line break nor a record without a value; java/udfs' tests take
those.)"""

import datetime
import random
from decimal import Decimal

from hypothesis import given, strategies as st

from flink_jobs import gmv, jobs, sale_detail, user_dim
from gmall_rt import reference as oracle
from testkit import canal
from tests.unit import flink_sql
from tests.unit.test_hostile_logs import JSON_VALUES, dumps
from tests.unit.test_sale_detail_sql import DOC_FIELDS, Changelog, as_oracle_doc, in_memory_lookup, line, order, user
from tests.unit.test_user_dim import expected_hash

ORDER_COLUMNS = ("total_amount", "order_status", "create_time", "consignee_tel")
HOSTILE = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32),  # of the testkit's generator: more draws than Hypothesis's buffer holds
    "count": st.integers(60, 150),
    "texts": st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=60),
                      max_size=15),
    # any JSON value for a column of a valid message's first row
    "values": st.lists(st.tuples(st.integers(0, 100), JSON_VALUES), max_size=15),
})


def valid_changes(table: str, rng: random.Random) -> Changelog:
    """Inserts, updates and deletes of ``table`` (and, for order lines, their orders and users)."""
    log = Changelog()
    log.apply("user_info", "insert", user(1))
    for n in range(1, 6):
        log.apply("order_info", "insert", order(n, user_id=1))
    rows = {"user_info": lambda i: user(i, gender=rng.choice("MF"), level=str(i % 5)),
            "order_info": lambda i: order(i, user_id=1, amount=Decimal(rng.randint(1, 10**6)) / 100,
                                          created=datetime.datetime(2026, 11, 20, rng.randint(0, 23), 30, 5)),
            "order_detail": lambda i: line(i, order_id=rng.randint(1, 5))}[table]
    changes = {"user_info": {"user_level": "9", "email": "a@example.com"},
               "order_info": {"order_status": "1002", "total_amount": Decimal("88.80")},
               "order_detail": {"sku_num": "3", "order_price": Decimal("12.50")}}[table]
    for i in range(10, 40):
        log.apply(table, "insert", rows(i))
        if rng.random() < 0.3:
            log.apply(table, "update", {"id": rng.randint(10, i), **changes})
        if rng.random() < 0.15:
            log.apply(table, "delete", {"id": rng.randint(10, i)})
    return log


def one_line(value: bytes) -> bytes:
    """``value`` without the bytes that end a line of the in-memory source."""
    return value.replace(b"\n", b" ").replace(b"\r", b" ")


def hostile_lines(table: str, columns, ids, drawn: dict) -> list[str | bytes]:
    """The drawn hostile messages, that the oracle says must not be applied: their text, or their
    bytes when they are not UTF-8."""
    generator = canal.HostileMessages(table, columns, ids, random.Random(drawn["seed"]))
    lines = [oracle.record_value(one_line(value)) for value in generator.take(drawn["count"])
             if value is not None] + drawn["texts"]
    for index, value in drawn["values"]:
        message = generator.valid_message()
        message["data"][0][columns[index % len(columns)].name] = value
        lines.append(dumps(message))
    return [text for text in lines if not canal.judge(text, columns).applied]


def interleave(valid: list[str], hostile: list[str | bytes], rng: random.Random) -> list[str | bytes]:
    """Both, each in its own order: the valid messages' order is their rows' history."""
    lines = list(valid)
    for text in hostile:
        lines.insert(rng.randint(0, len(lines)), text)
    return lines


def run(config, tmp_path, job, topic_table: str, lines: list[str], others: dict[str, list[str]]):
    """The job's views over ``lines`` on the topic of ``topic_table`` (source and raw copy) and
    ``others`` on the other sources; returns the table environment and the dead letters."""
    t_env = flink_sql.table_env(config)
    flink_sql.register_source(t_env, job, config, canal.SOURCE_TABLES[topic_table], lines, tmp_path)
    flink_sql.register_source(t_env, job, config, f"{topic_table}_messages", lines, tmp_path)
    for source, messages in others.items():
        flink_sql.register_source(t_env, job, config, source, messages, tmp_path)
    if job is sale_detail.JOB:
        t_env.create_temporary_system_function("lookup_user", in_memory_lookup({}))
    jobs.register_views(t_env, job, jobs.sql_parameters(config, job))
    dead = flink_sql.all_rows(t_env, f"SELECT source_topic, reason, `value`, value_base64 FROM {topic_table}_dead_letters")
    return t_env, [(d["source_topic"], oracle.dead_letter_value(d), d["reason"]) for d in dead]


def expected_dead_letters(topic: str, lines: list[str | bytes], columns) -> list[tuple]:
    reasons = [(topic, text, canal.dead_letter_reason(text, columns)) for text in lines]
    return [dead for dead in reasons if dead[2] is not None]


def not_ddl(hostile: list[str | bytes], columns) -> list[str | bytes]:
    """The hostile messages that must be dead letters: all but the drawn DDL, which a job skips
    (how many of those a draw holds varies: one CI example had 12 of 108)."""
    return [text for text in hostile if canal.judge(text, columns) != canal.DDL]


def columns(config, job, table: str):
    return canal.source_columns(flink_sql.source_ddl(job, config, canal.SOURCE_TABLES[table]))


@given(drawn=HOSTILE, seed=st.integers(1, 1_000))
def test_hostile_order_info_messages_are_dead_letters_once_and_orders_and_gmv_stay_exact(
        config, tmp_path_factory, drawn, seed):
    rng = random.Random(seed)
    log = valid_changes("order_info", rng)
    table_columns = columns(config, gmv.JOB, "order_info")
    hostile = hostile_lines("order_info", table_columns, log.state["order_info"], drawn)
    lines = interleave(log.messages["order_info"], hostile, rng)
    t_env, dead = run(config, tmp_path_factory.mktemp("gmv"), gmv.JOB, "order_info", lines, {})
    assert dead == expected_dead_letters(config.topics.order_info, lines, table_columns)
    assert len(dead) == len(not_ddl(hostile, table_columns))
    orders = flink_sql.final_rows(t_env, f"SELECT id, {', '.join(ORDER_COLUMNS)} FROM orders", ["id"])
    assert {key[0]: tuple(row[c] for c in ORDER_COLUMNS) for key, row in orders.items()} == {
        order_id: tuple(oracle.mask_phone(row[c]) if c == "consignee_tel" else row[c] for c in ORDER_COLUMNS)
        for order_id, row in log.state["order_info"].items()}
    hours = flink_sql.final_rows(t_env, "SELECT dt, hr, gmv, order_count FROM gmv_by_hour", ["dt", "hr"])
    assert {key: (row["gmv"], row["order_count"]) for key, row in hours.items()} == oracle.gmv_by_hour(
        log.state["order_info"].values())


@given(drawn=HOSTILE, seed=st.integers(1, 1_000))
def test_hostile_order_detail_messages_are_dead_letters_once_and_the_documents_stay_exact(
        config, tmp_path_factory, drawn, seed):
    rng = random.Random(seed)
    log = valid_changes("order_detail", rng)
    table_columns = columns(config, sale_detail.JOB, "order_detail")
    hostile = hostile_lines("order_detail", table_columns, log.state["order_detail"], drawn)
    lines = interleave(log.messages["order_detail"], hostile, rng)
    t_env, dead = run(config, tmp_path_factory.mktemp("sale_detail"), sale_detail.JOB, "order_detail", lines,
                      {"order_info_versions": log.messages["order_info"], "user_info_source": log.messages["user_info"]})
    assert dead == expected_dead_letters(config.topics.order_detail, lines, table_columns)
    assert len(dead) == len(not_ddl(hostile, table_columns))
    docs = flink_sql.final_rows(t_env, f"SELECT {', '.join(DOC_FIELDS)}, has_document FROM sale_details",
                                ["order_detail_id"])
    assert {str(key[0]): as_oracle_doc(row) for key, row in docs.items() if row["has_document"]} == log.docs()


@given(drawn=HOSTILE, seed=st.integers(1, 1_000))
def test_hostile_user_info_messages_are_dead_letters_once_and_the_dimension_stays_exact(
        config, tmp_path_factory, drawn, seed):
    rng = random.Random(seed)
    log = valid_changes("user_info", rng)
    table_columns = columns(config, user_dim.JOB, "user_info")
    hostile = hostile_lines("user_info", table_columns, log.state["user_info"], drawn)
    lines = interleave(log.messages["user_info"], hostile, rng)
    t_env, dead = run(config, tmp_path_factory.mktemp("user_dim"), user_dim.JOB, "user_info", lines, {})
    assert dead == expected_dead_letters(config.topics.user_info, lines, table_columns)
    assert len(dead) == len(not_ddl(hostile, table_columns))
    rows = flink_sql.final_rows(t_env, "SELECT * FROM user_dim_rows", ["id"])
    assert {key[0]: {k: str(v) for k, v in row.items() if v is not None} for key, row in rows.items()} == {
        user_id: expected_hash(row) for user_id, row in log.state["user_info"].items()}
