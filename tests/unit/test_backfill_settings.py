"""The parts of `gmall-rt backfill` and `jobs submit --from` that need no stack: the day and the
jobs it takes, the staging names it writes under, and the Kafka options the jobs are given."""

from __future__ import annotations

import dataclasses
import datetime
import re
from zoneinfo import ZoneInfo

import pytest

from flink_jobs import jobs
from gmall_rt import backfill, cli
from gmall_rt.config import ConfigError


def test_the_staging_outputs_are_all_apart_from_the_apps_and_the_inputs_are_the_apps(config):
    stage = backfill.staging_config(config, "backfill_20261204_abc123")
    for section, key in (("mariadb", "report_database"), ("hbase", "dau_table"),
                         ("elasticsearch", "coupon_alert_index"), ("elasticsearch", "sale_detail_index"),
                         ("topics", "dead_letter"), ("jobs", "name_prefix"),
                         ("flink", "checkpoint_dir")):
        live, staged = getattr(getattr(config, section), key), getattr(getattr(stage, section), key)
        assert staged != live and "backfill_20261204_abc123" in staged.lower(), (section, key)
    for key in ("start", "event", "order_info", "order_detail", "user_info"):
        assert getattr(stage.topics, key) == getattr(config.topics, key)
    assert (stage.mariadb.source_database, stage.redis.user_key_prefix) == (
        config.mariadb.source_database, config.redis.user_key_prefix)
    # written by the bounded job itself, with the cell versions only the job's sink writes
    assert stage.hbase.order_info_table == config.hbase.order_info_table
    assert (stage.kafka.startup_mode, stage.kafka.bounded_mode) == ("earliest-offset", "latest-offset")


@pytest.mark.parametrize("name", jobs.JOB_NAMES)
def test_every_kafka_source_of_every_job_takes_the_startup_and_bounded_modes(config, name):
    replay = dataclasses.replace(config, kafka=dataclasses.replace(
        config.kafka, startup_mode="timestamp", startup_timestamp_ms=1_796_342_400_000, bounded_mode="latest-offset"))
    job = jobs.get(name)
    for stmt in jobs.table_ddl(job, jobs.sql_parameters(replay, job)):
        options = dict(re.findall(r"'([^']+)'\s*=\s*'([^']*)'", stmt))
        if options.get("connector") == "kafka" and "scan.startup.mode" in options:
            assert (options["scan.startup.mode"], options["scan.startup.timestamp-millis"],
                    options["scan.bounded.mode"]) == ("timestamp", "1796342400000", "latest-offset")


def test_from_is_a_local_time_of_the_configured_zone(config):
    replay = cli.replay_from(config, "2026-12-04 08:30")
    moment = datetime.datetime(2026, 12, 4, 8, 30, tzinfo=ZoneInfo(config.time.zone))
    assert (replay.kafka.startup_mode, replay.kafka.startup_timestamp_ms) == ("timestamp", int(moment.timestamp() * 1000))
    for text in ("2026-12-04", "2026-12-04T08:30", "2026-12-04 25:00", "yesterday"):
        with pytest.raises(ConfigError, match="is not a local time 'yyyy-MM-dd HH:mm'"):
            cli.replay_from(config, text)


def test_a_day_not_over_with_the_lateness_is_refused(config):
    day = datetime.date(2026, 12, 4)
    end_ms = int(datetime.datetime(2026, 12, 5, tzinfo=ZoneInfo(config.time.zone)).timestamp() * 1000)
    lateness_ms = config.time.allowed_lateness_s * 1000
    with pytest.raises(backfill.BackfillError, match="2026-12-04 is not over until"):
        backfill.check_day(config, day, [], now_ms=end_ms + lateness_ms - 1)
    backfill.check_day(config, day, [], now_ms=end_ms + lateness_ms)


def test_the_jobs_are_those_with_daily_outputs_in_their_order():
    assert backfill.selected_jobs([]) == ["dau", "gmv", "alert", "sale-detail"]
    assert backfill.selected_jobs(["sale-detail", "dau"]) == ["dau", "sale-detail"]
    with pytest.raises(ConfigError, match="user-dim has no daily outputs"):
        backfill.selected_jobs(["user-dim"])
    with pytest.raises(ConfigError, match="no job named 'dua'"):
        backfill.selected_jobs(["dua"])
    with pytest.raises(ConfigError, match="is not a day"):
        backfill.parse_day("2026-12-32")
