"""The DAU and GMV jobs on the real stack, after a kill and a restore from checkpoint, against the
oracle: MariaDB report tables, the HBase tables read through Phoenix, and the dead-letter topic."""

import datetime
from collections import Counter

import pytest

from gmall_rt import clients, reference as oracle


@pytest.fixture(scope="module")
def run(pipeline):
    if not {"dau", "gmv"} <= set(pipeline.job_names):
        pytest.fail("the pipeline did not run the dau and gmv jobs")
    return pipeline


def report(config, query):
    with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchall()


def phoenix_rows(config, query):
    with clients.phoenix(config) as conn:
        cursor = conn.cursor()
        cursor.execute(query)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_dau_hour_equals_the_oracle(run):
    got = {(dt, hr): dau for dt, hr, dau in report(run.config, "SELECT dt, hr, dau FROM dau_hour")}
    assert got == oracle.dau_by_hour(run.screened.start_records, run.config.time.zone)


def test_the_dau_table_read_through_phoenix_equals_the_oracle(run):
    table = run.config.hbase.dau_table
    rows = phoenix_rows(run.config, f"SELECT MID, UID, APPID, AREA, OS, CH, VS, LOGDATE, LOGHOUR, TS FROM {table}")
    got = {(datetime.date.fromisoformat(row["LOGDATE"]), row["MID"]): row for row in rows}
    assert got == oracle.dau_rows(run.screened.start_records, run.config.time.zone)
    # Phoenix computes on the columns with their types: hours are numbers, ts a BIGINT
    [[earliest]] = [[row["M"]] for row in phoenix_rows(run.config, f"SELECT MIN(TS) AS M FROM {table}")]
    assert earliest == min(row["TS"] for row in rows)


def test_gmv_hour_equals_the_oracle(run):
    got = {(dt, hr): (gmv, count) for dt, hr, gmv, count in report(run.config, "SELECT dt, hr, gmv, order_count FROM gmv_hour")}
    assert got == oracle.gmv_by_hour(run.source.order_info)


def test_the_order_info_table_read_through_phoenix_equals_the_oracle_with_the_phone_masked(run):
    table = run.config.hbase.order_info_table
    rows = phoenix_rows(run.config, f"SELECT * FROM {table}")
    want = oracle.order_info_rows(run.source.order_info)
    # Phoenix reads an empty string as NULL
    for row in want.values():
        row.update({k: None for k, v in row.items() if v == ""})
    assert {row["ID"]: row for row in rows} == want
    [[total]] = [[row["T"]] for row in phoenix_rows(run.config, f"SELECT SUM(TOTAL_AMOUNT) AS T FROM {table}")]
    assert total == sum(o["total_amount"] for o in run.source.order_info if o["total_amount"] is not None)


def test_every_bad_start_log_is_in_the_dead_letter_topic_once_with_its_reason(run):
    got = Counter((d["source_topic"], oracle.dead_letter_value(d), d["reason"]) for d in run.dead_letters
                  if d["source_topic"] == run.config.topics.start)
    want = Counter(oracle.dead_letters(run.start_logs, [], run.lateness_ms, run.max_future_ms, run.log_topics))
    assert got == want
    assert Counter(reason for (*_rest, reason), n in want.items() for _ in range(n))["late"] > 0


def test_the_jobs_recovered_from_each_taskmanager_kill_by_themselves(run):
    # both kills happened while input flowed, and every job checkpointed again after each
    assert len(run.recovery_s) == 2 and all(0 < seconds < 300 for seconds in run.recovery_s)


def test_dead_letters_are_counted_in_the_flink_metric(run):
    # each run counts what it routed; the restored one only what came after its checkpoint
    assert 0 < run.dead_letter_metric_after_restore <= len(run.dead_letters)
    assert run.dead_letter_metric_before_kill <= len(run.dead_letters)
