"""A test run on names of its own, beside what ``make run`` produced on the same stack.

:func:`isolated` gives the configuration of a run: every topic the jobs read and write, the report
database, the Phoenix tables, the Elasticsearch index families, the Redis user hashes, the jobs'
names (Flink pipelines, Kafka consumer groups and transactional ids) and the checkpoints are the
run's own, named ``<run id>_<name>``. Its source database is the stack's test database
(``canal.test_database``), whose tables Canal publishes to topics of their own
(``canal.test_*_topic``): the run writes its source rows there, never in the app's tables. The
configuration is the same object the jobs and ``gmall-rt`` take; :func:`environment` hands it to
a subprocess (``gmall-rt mock``) as ``GMALL_<SECTION>_<KEY>`` variables.

:func:`prepare` makes what the run needs on the stack, the test database's tables emptied;
:func:`drop` removes what the run made and wrote. Both refuse a configuration with a default name,
so the app's outputs are never theirs to touch. The test database is one per stack: two runs at
once would share its tables and topics.
"""

from __future__ import annotations

import dataclasses
import re
import time
import uuid

from flink_jobs.config import TopicsConfig, apply_layer
from gmall_rt import staging
from gmall_rt.config import Config, ConfigError, validate
from gmall_rt.mock.runner import SOURCE_TABLES
from gmall_rt.stack.canal import Canal
from gmall_rt.stack.kafka import Kafka, ensure_topics
from gmall_rt.stack.mariadb import MariaDB
from gmall_rt.stack.service import StackError

# the keys an isolated configuration sets, by section (every topic: Canal's topic for what no
# route matches is kept, as it is the stack's Canal that writes it)
KEYS = {
    "topics": tuple(field.name for field in dataclasses.fields(TopicsConfig)),
    "mariadb": ("report_database", "source_database"),
    "hbase": ("dau_table", "order_info_table"),
    "elasticsearch": ("coupon_alert_index", "sale_detail_index"),
    "redis": ("user_key_prefix",),
    "jobs": ("name_prefix",),
    "flink": ("checkpoint_dir",),
    "canal": ("test_database",),
}
# names every service takes: Elasticsearch wants lower case, Phoenix gets it upper-cased
_RUN_ID = re.compile(r"[a-z][a-z0-9_]{0,23}")
# seconds without a new message after which Canal is taken to have sent what it had
QUIET_S = 6


def new_run_id(kind: str = "e2e") -> str:
    """A run id no earlier run had: ``<kind>_<8 hex digits>``."""
    return f"{kind}_{uuid.uuid4().hex[:8]}"


def isolated(config: Config, run_id: str) -> Config:
    """``config`` with names of the run ``run_id`` (lower-case letters, digits and _, starting
    with a letter) for what the jobs read and write; see the module's description.

    Its source database is the test database, captured to its own topics, so it has no test
    database of its own (``canal.test_database`` empty): the configuration is the run's whole."""
    if not _RUN_ID.fullmatch(run_id):
        raise ConfigError(f"run id {run_id!r}: expected lower-case letters, digits and _, starting with a letter, "
                          "at most 24 characters")
    canal = config.canal
    if not canal.test_database:
        raise ConfigError("an isolated run writes its source rows in the stack's test database: "
                          "set canal.test_database")

    def own(name: str) -> str:
        return f"{run_id}_{name}"

    topics = {field: canal.test_topics().get(field) or own(getattr(config.topics, field))
              for field in KEYS["topics"] if field != "canal_unrouted"}
    root = config.flink.checkpoint_dir.rstrip("/")
    layer = {
        "topics": topics,
        "mariadb": {"report_database": own(config.mariadb.report_database), "source_database": canal.test_database},
        "hbase": {"dau_table": own(config.hbase.dau_table).upper(),
                  "order_info_table": own(config.hbase.order_info_table).upper()},
        "elasticsearch": {"coupon_alert_index": own(config.elasticsearch.coupon_alert_index),
                          "sale_detail_index": own(config.elasticsearch.sale_detail_index)},
        "redis": {"user_key_prefix": f"{run_id}:{config.redis.user_key_prefix}"},
        "jobs": {"name_prefix": own(config.jobs.name_prefix)},
        # empty inside an application cluster, whose own configuration decides
        "flink": {"checkpoint_dir": f"{root}/{run_id}" if root else ""},
        "canal": {"test_database": ""},
    }
    return validate(apply_layer(config, layer, f"isolated run {run_id}"))


def environment(config: Config) -> dict[str, str]:
    """The ``GMALL_<SECTION>_<KEY>`` variables of the names :func:`isolated` sets, as they are in
    ``config``: with them a subprocess (``gmall-rt mock``) loads the same run's configuration."""
    return {f"GMALL_{section}_{key}".upper(): str(getattr(getattr(config, section), key))
            for section, keys in KEYS.items() for key in keys}


def _refuse_the_defaults(config: Config) -> None:
    """Stop before touching anything of a configuration that names what the app uses."""
    defaults = Config()
    for section, keys in KEYS.items():
        for key in keys:
            value = getattr(getattr(config, section), key)
            if value and value == getattr(getattr(defaults, section), key) and key != "canal_unrouted":
                raise ConfigError(f"{section}.{key} is {value!r}, the app's own: prepare and drop take only a "
                                  "configuration made by testkit.isolation.isolated")


def _topics(config: Config) -> list[str]:
    """The topics of the run but the test database's: Canal's unrouted one is the stack's, and the
    test database's are made afresh and deleted with its tables (:func:`_reset_source`) only."""
    stack_topics = {*config.canal.test_topics().values(), config.topics.canal_unrouted}
    return [getattr(config.topics, field) for field in KEYS["topics"]
            if getattr(config.topics, field) not in stack_topics]


def _source_topics(config: Config) -> list[str]:
    return [config.topics.order_info, config.topics.order_detail, config.topics.user_info]


def wait_quiet(kafka: Kafka, topics: list[str], limit_s: float = 120) -> None:
    """Wait until none of ``topics`` (those that exist) has had a new message for QUIET_S: Canal
    publishes later."""
    existing = set(kafka.admin().list_topics(timeout=10).topics)
    topics = [topic for topic in topics if topic in existing]
    deadline, seen, since = time.monotonic() + limit_s, None, time.monotonic()
    while time.monotonic() < deadline:
        now = [kafka.end_offsets(topic) for topic in topics]
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= QUIET_S:
            return
        time.sleep(1)
    raise StackError(f"{', '.join(topics)} still growing after {limit_s:.0f} s: is a run still writing them?")


def check_canal_routes(config: Config) -> None:
    """The stack's Canal publishes the run's source database to the run's source topics: it was
    started with the test database configured (its routes are written when it starts)."""
    canal = Canal(config)
    properties = canal.conf_dir / config.canal.destination / "instance.properties"
    written = properties.read_text() if properties.exists() else ""
    missing = [f"{topic}:{database}.{table}" for (database, table), topic in canal.routes().items()
               if f"{topic}:{database}.{table}" not in written]
    if missing:
        raise StackError(f"the stack's Canal does not route {', '.join(missing)} ({properties}): start it again with "
                         "canal.test_database set (gmall-rt stack down, then up)")


def _reset_source(config: Config) -> None:
    """The test database's tables emptied, and their Canal topics deleted once Canal has sent what
    it had, and made again: they hold no change of the run then. Canal is taken to have sent everything once the
    topics have had nothing new for QUIET_S (a change it sent later would land in the new topics).
    The tables are emptied without a change per row: TRUNCATE reaches the topics as one DDL message
    per table, which the jobs skip (neither data nor a dead letter), should Canal send it after the
    topics are made again."""
    mariadb, database, kafka = MariaDB(config), config.mariadb.source_database, Kafka(config)
    mariadb.create_source_tables(database)
    mariadb.admin_sql("".join(f"TRUNCATE TABLE `{table}`;\n" for table in SOURCE_TABLES), database=database)
    wait_quiet(kafka, _source_topics(config))
    staging.delete_topics(kafka, _source_topics(config))
    ensure_topics(kafka.admin(), _source_topics(config), config.kafka.partitions)


def prepare(config: Config, with_source: bool = True) -> None:
    """Make what the run's jobs and mock need, on the stack (whose Canal must capture the test
    database, :func:`check_canal_routes`):
    - unless ``with_source`` is false (a run that writes its changes to its topics itself), the
      test database's tables, empty, and its Canal topics afresh, holding no change of an
      earlier run (the mock reuses order ids, which the jobs take to be never reused);
    - every other topic of the run, each with ``kafka.partitions`` partitions;
    - the report database and its tables, each account granted there what it has on the app's;
    - the Phoenix tables and the Elasticsearch index templates (``gmall-rt schema apply``'s)."""
    _refuse_the_defaults(config)
    if with_source:
        check_canal_routes(config)
        _reset_source(config)
    staging.make_outputs(config, _topics(config))


def drop(config: Config, with_source: bool = True) -> None:
    """Remove what the run made and wrote: its running jobs (cancelled), the test database's rows
    and Canal topics (unless ``with_source`` is false, as for :func:`prepare`), its other topics
    and its consumer groups, the report database and the grants
    on it, the Phoenix tables, indices and index templates, user hashes and checkpoints. Every
    step is tried, whatever an earlier one did (a run may have failed part-way); one error at the
    end names those that failed."""
    _refuse_the_defaults(config)
    failed = []
    steps = (staging.cancel_jobs, *([_reset_source] if with_source else []), _drop_topics, staging.drop_consumer_groups,
             staging.drop_report_database, staging.drop_phoenix_tables, staging.drop_indices, staging.drop_user_hashes,
             staging.drop_checkpoints)
    for step in steps:
        try:
            step(config)
        except Exception as exc:  # any service's error: the other steps still run
            failed.append(f"{step.__name__.lstrip('_')}: {exc}")
    if failed:
        raise StackError("isolation: could not drop everything of the run: " + "; ".join(failed))


def _drop_topics(config: Config) -> None:
    staging.delete_topics(Kafka(config), _topics(config))
