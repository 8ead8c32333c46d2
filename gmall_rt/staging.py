"""Outputs of a run apart from the app's: made on the stack before the run, removed after it.

A backfill (and a test run) writes what the jobs write under names of its own: a report database,
Phoenix tables, Elasticsearch index families, topics, consumer groups and checkpoints, each named
by its configuration. :func:`make_outputs` creates them as ``gmall-rt schema apply`` creates the
app's; the ``drop_*`` functions remove them, each on its own, so that a caller can try every one
whatever an earlier one did.
"""

from __future__ import annotations

import re
import shutil
import time

from confluent_kafka import KafkaError, KafkaException

from flink_jobs import jobs
from gmall_rt import clients, flink_rest, schema
from gmall_rt.config import Config
from gmall_rt.stack.kafka import Kafka, dead_letter_topic_config, ensure_topics
from gmall_rt.stack.mariadb import MariaDB
from gmall_rt.stack.service import StackError


def make_outputs(config: Config, topics: list[str]) -> None:
    """``topics`` (each with ``kafka.partitions`` partitions; the dead-letter topic taking the
    largest dead letter), the report database and its tables, each account granted there what it
    has on the app's, the Phoenix tables and the Elasticsearch index templates."""
    ensure_topics(Kafka(config).admin(), topics, config.kafka.partitions,
                  {config.topics.dead_letter: dead_letter_topic_config(config)})
    mariadb, report = MariaDB(config), config.mariadb.report_database
    mariadb.admin_sql(f"CREATE DATABASE IF NOT EXISTS `{report}` DEFAULT CHARACTER SET utf8mb4;\n"
                      + "".join(f"{grant};\n" for grant in mariadb.report_grants()))
    schema.apply_report_tables(config)
    schema.apply_phoenix_tables(config)
    schema.apply_index_templates(config)


def cancel_jobs(config: Config) -> None:
    """Cancel the running jobs named by ``jobs.name_prefix``."""
    for name in jobs.JOB_NAMES:
        for status in flink_rest.active_jobs(config, jobs.get(name).pipeline_name(config)):
            flink_rest.cancel(config, status.job_id)


def delete_topics(kafka: Kafka, topics: list[str], limit_s: float = 60) -> None:
    """Delete those of ``topics`` that exist, and wait until they are gone."""
    admin = kafka.admin()
    existing = [topic for topic in topics if topic in admin.list_topics(timeout=10).topics]
    for future in (admin.delete_topics(existing).values() if existing else ()):
        future.result(timeout=60)
    deadline = time.monotonic() + limit_s
    while set(existing) & set(admin.list_topics(timeout=10).topics):
        if time.monotonic() > deadline:
            raise StackError(f"the topics {', '.join(existing)} were not deleted within {limit_s:.0f} s")
        time.sleep(0.5)


def drop_consumer_groups(config: Config) -> None:
    """Every consumer group of the jobs named by ``jobs.name_prefix``: each begins with a job's
    pipeline name, ``<name_prefix>-<job>``."""
    admin = Kafka(config).admin()
    groups = [group.group_id for group in admin.list_consumer_groups().result(timeout=30).valid
              if group.group_id.startswith(f"{config.jobs.name_prefix}-")]
    for future in (admin.delete_consumer_groups(groups).values() if groups else ()):
        try:
            future.result(timeout=30)
        except KafkaException as exc:  # listed, but gone meanwhile: what drop wants
            if exc.args[0].code() != KafkaError.GROUP_ID_NOT_FOUND:
                raise


def drop_report_database(config: Config) -> None:
    MariaDB(config).drop_database(config.mariadb.report_database)


def drop_phoenix_tables(config: Config, tables: list[str] | None = None) -> None:
    """``tables``, by default both the configuration names."""
    with clients.phoenix(config) as conn:
        cursor = conn.cursor()
        for table in tables or (config.hbase.dau_table, config.hbase.order_info_table):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.close()


def drop_indices(config: Config) -> None:
    es = clients.elasticsearch(config)
    for name in schema.index_templates(config):
        # by name: Elasticsearch warns that deleting by a wildcard will be refused
        daily = list(es.indices.get(index=f"{name}-*", ignore_unavailable=True))
        if daily:
            es.indices.delete(index=",".join(daily))
        es.indices.delete_index_template(name=name, ignore=404)


def drop_user_hashes(config: Config) -> None:
    redis = clients.redis(config)
    pattern = re.sub(r"([*?\[\]\\])", r"\\\1", config.redis.user_key_prefix) + "*"
    for key in redis.scan_iter(match=pattern, count=1000):
        redis.delete(key)


def drop_checkpoints(config: Config) -> None:
    # elsewhere than on this machine (an application cluster's storage) they are that storage's
    if config.flink.checkpoint_dir.startswith("file:"):
        shutil.rmtree(jobs.local_checkpoint_dir(config), ignore_errors=True)
