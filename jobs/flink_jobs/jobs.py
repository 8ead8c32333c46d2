"""The Flink jobs: which SQL files each one runs, with which parameters, and how it is submitted.

A job is Flink SQL only: its connector DDL (``sql/connectors``), its logic as views (``sql/<job>``)
and one file of INSERTs wiring the views to the sinks, run as one statement set. The SQL files hold
``{{ name }}`` placeholders filled from the configuration (:func:`sql_parameters`), so the same files
run against the local stack, in Kubernetes, and (with the connectors swapped) on in-memory rows.
Submitting a job changes no schema: the tables and templates it writes to are created beforehand
(``gmall-rt schema apply``), so the job's accounts need no DDL rights.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from flink_jobs import config as config_module
from flink_jobs.config import Config, ConfigError

SQL_DIR = Path(__file__).resolve().parent / "sql"
CONNECTORS_DIR = SQL_DIR / "connectors"
FUNCTIONS_FILE = SQL_DIR / "functions.sql"
# where each deployment runs the job (flink_jobs.table_env.create_table_env)
DEPLOYMENT_TARGETS = {"session": "remote", "embedded": "local", "application": None}
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
# aggregates and deduplication buffer input for a moment and touch each key's state once per
# buffer, and send the sinks one change per key instead of one per record
MINI_BATCH = (
    ("table.exec.mini-batch.enabled", "true"),
    ("table.exec.mini-batch.allow-latency", "200 ms"),
    ("table.exec.mini-batch.size", "5000"),
)
# key groups of every job: Flink's default for parallelism up to 85, pinned because the lateness
# rule's keys are chosen for it (partition_key, java/udfs PartitionKey.MAX_PARALLELISM); a job
# restored from a checkpoint keeps it
MAX_PARALLELISM = 128


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    tables: tuple[str, ...]  # connector DDL files in sql/connectors, without .sql
    views: tuple[str, ...]  # logic files in sql/, in dependency order, without .sql
    outputs: str  # the file of INSERT statements, without .sql
    # placeholders of the job's own, for SQL files two jobs share (sql/logs)
    sql_parameters: Callable[[Config], Mapping[str, str]] = lambda config: {}
    state_ttl_h: Callable[[Config], int] = lambda config: 0
    table_options: tuple[tuple[str, str], ...] = ()
    # functions the job's SQL calls that need the configuration (connection settings travel inside
    # the function, never in SQL text or job parameters), by name, built with it: Java functions
    # (java/udfs) as objects made through the Java gateway
    java_functions: Callable[[Config], Mapping[str, Any]] = lambda config: {}

    @property
    def module(self) -> str:
        return f"flink_jobs.{self.name.replace('-', '_')}"

    def pipeline_name(self, config: Config) -> str:
        """The job's name in Flink (``jobs.name_prefix``), and its Kafka consumer groups' and
        transactional ids' prefix."""
        return f"{config.jobs.name_prefix}-{self.name}"


JOB_NAMES = ("dau", "gmv", "alert", "user-dim", "sale-detail")


def get(name: str) -> Job:
    """The job named ``name``, as its module ``flink_jobs.<name>`` defines it (``JOB``)."""
    if name not in JOB_NAMES:
        raise ConfigError(f"no job named {name!r}; the jobs are {', '.join(JOB_NAMES)}")
    return importlib.import_module(f"flink_jobs.{name.replace('-', '_')}").JOB


# ---------------------------------------------------------------------------------------------
# SQL files


def sql_parameters(config: Config, job: Job) -> dict[str, str]:
    """Every ``{{ name }}`` the SQL files may use, from the configuration and the job."""
    topics, mariadb, pipeline_name = config.topics, config.mariadb, job.pipeline_name(config)
    return {
        "kafka_bootstrap_servers": config.kafka.bootstrap_servers,
        "kafka_startup_mode": config.kafka.startup_mode,
        "kafka_startup_timestamp_ms": str(config.kafka.startup_timestamp_ms),
        "kafka_bounded_mode": config.kafka.bounded_mode,
        "pipeline_name": pipeline_name,
        "group_id": pipeline_name,
        "transactional_id_prefix": f"{pipeline_name}-dead-letters",
        "topic_start": topics.start,
        "topic_event": topics.event,
        "topic_order_info": topics.order_info,
        "topic_order_detail": topics.order_detail,
        "topic_user_info": topics.user_info,
        "topic_dead_letter": topics.dead_letter,
        "dead_letter_max_bytes": str(config.kafka.dead_letter_max_bytes),
        "allowed_lateness_s": str(config.time.allowed_lateness_s),
        "max_future_ms": str(config.time.max_future_s * 1000),
        "jdbc_report_url": f"jdbc:mysql://{mariadb.host}:{mariadb.port}/{mariadb.report_database}",
        "jdbc_source_url": f"jdbc:mysql://{mariadb.host}:{mariadb.port}/{mariadb.source_database}",
        "mariadb_user": mariadb.user,
        "mariadb_password": mariadb.password,
        "redis_host": config.redis.host,
        "redis_port": str(config.redis.port),
        "redis_password": config.redis.password,
        "redis_user_key_prefix": config.redis.user_key_prefix,
        "hbase_zookeeper_quorum": config.hbase.zookeeper_quorum,
        "hbase_dau_table": config.hbase.dau_table,
        "hbase_order_info_table": config.hbase.order_info_table,
        "elasticsearch_url": config.elasticsearch.url,
        "elasticsearch_coupon_alert_index": config.elasticsearch.coupon_alert_index,
        "elasticsearch_sale_detail_index": config.elasticsearch.sale_detail_index,
        **job.sql_parameters(config),
    }


def render(path: Path, parameters: dict[str, str]) -> str:
    """The file's text with each ``{{ name }}`` replaced by its parameter."""
    def value(match: re.Match) -> str:
        if match.group(1) not in parameters:
            raise ConfigError(f"{path}: no value for {{{{ {match.group(1)} }}}}")
        return parameters[match.group(1)]

    return PLACEHOLDER.sub(value, path.read_text())


_STATEMENT_END = re.compile(r";\s*$", re.MULTILINE)


def statements(text: str) -> list[str]:
    """The statements of a SQL file: each ends with ``;`` at the end of a line; comments kept."""
    chunks = (chunk.strip() for chunk in _STATEMENT_END.split(text))
    return [chunk for chunk in chunks if any(
        line.strip() and not line.strip().startswith("--") for line in chunk.splitlines())]


def table_ddl(job: Job, parameters: dict[str, str]) -> list[str]:
    return [stmt for table in job.tables for stmt in statements(render(CONNECTORS_DIR / f"{table}.sql", parameters))]


def view_ddl(job: Job, parameters: dict[str, str]) -> list[str]:
    return [stmt for view in job.views for stmt in statements(render(SQL_DIR / f"{view}.sql", parameters))]


def register_functions(t_env) -> None:
    for stmt in statements(FUNCTIONS_FILE.read_text()):
        t_env.execute_sql(stmt)


def register_views(t_env, job: Job, parameters: dict[str, str]) -> None:
    """The job's logic, on whatever tables of the source names are registered in ``t_env``."""
    register_functions(t_env)
    for stmt in view_ddl(job, parameters):
        t_env.execute_sql(stmt)


# ---------------------------------------------------------------------------------------------
# Configuration of the job's environment


def job_settings(config: Config, job: Job) -> dict[str, str]:
    """Exactly-once by default: checkpoints of the state (flink.state_backend: heap or RocksDB),
    offsets in the checkpoints, kept on cancellation so a job can be restarted from its latest one."""
    settings = {
        "pipeline.name": job.pipeline_name(config),
        "table.local-time-zone": config.time.zone,
        "execution.checkpointing.interval": f"{config.flink.checkpoint_interval_ms} ms",
        "execution.checkpointing.mode": "EXACTLY_ONCE",
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "execution.checkpointing.num-retained": "3",
        "state.backend.type": config.flink.state_backend,
        "table.exec.state.ttl": f"{job.state_ttl_h(config)} h",
        # a row without its key is sent to the dead-letter topic by the job, never written
        "table.exec.sink.not-null-enforcer": "DROP",
        # a view that feeds several sinks runs once, its state kept once: without this each INSERT
        # is optimised apart, prunes the view to its own columns, and gets its own copy of it
        "table.optimizer.reuse-optimize-block-with-digest-enabled": "true",
        # every operator, sources and sinks included, runs this many subtasks on every deployment
        "parallelism.default": str(config.parallelism),
        "pipeline.max-parallelism": str(MAX_PARALLELISM),
        **dict(job.table_options),
    }
    if config.flink.checkpoint_dir:
        settings["execution.checkpointing.dir"] = f"{config.flink.checkpoint_dir.rstrip('/')}/{job.name}"
    elif config.flink.deployment != "application":
        raise ConfigError("flink.checkpoint_dir is empty: set it to where the job keeps its checkpoints "
                          "(only an application cluster decides that itself)")
    return settings


def local_checkpoint_dir(config: Config) -> Path:
    """flink.checkpoint_dir, when it is on this machine: a folder of each job's checkpoints."""
    root = config.flink.checkpoint_dir
    if not root.startswith("file:"):
        raise ConfigError(f"--restore latest looks only in a local checkpoint directory, not {root!r}; "
                          "give the checkpoint's path instead")
    return Path(root.removeprefix("file://").removeprefix("file:"))


def local_checkpoints(config: Config, job: Job) -> Path:
    """The folder of the job's checkpoints, when flink.checkpoint_dir is on this machine."""
    return local_checkpoint_dir(config) / job.name


def latest_checkpoint(config: Config, job: Job) -> str | None:
    """The newest completed checkpoint of any run of ``job`` in the local checkpoint directory."""
    job_dir = local_checkpoints(config, job)
    completed = [meta.parent for meta in job_dir.glob("*/chk-*/_metadata")]
    return str(max(completed, key=lambda path: path.stat().st_mtime)) if completed else None


def create_job_env(config: Config, job: Job, restore: str | None = None):
    from flink_jobs.table_env import create_table_env

    deployment = config.flink.deployment
    if deployment not in DEPLOYMENT_TARGETS:
        raise ConfigError(f"flink.deployment {deployment!r} is not one of {', '.join(DEPLOYMENT_TARGETS)}")
    t_env = create_table_env(config, streaming=True, target=DEPLOYMENT_TARGETS[deployment])
    table_config = t_env.get_config()
    for key, value in job_settings(config, job).items():
        table_config.set(key, value)
    if restore:
        path = latest_checkpoint(config, job) if restore == "latest" else restore
        if path is None:
            raise ConfigError(f"{job.name}: no completed checkpoint to restore from yet; "
                              "submit without --restore to start afresh")
        table_config.set("execution.savepoint.path", path)
    return t_env


# ---------------------------------------------------------------------------------------------
# Running a job


def build(config: Config, job: Job, restore: str | None = None):
    """The job's table environment and its statement set, ready to execute."""
    parameters = sql_parameters(config, job)
    t_env = create_job_env(config, job, restore)
    register_functions(t_env)
    for name, function in job.java_functions(config).items():
        # PyFlink's own method takes a Java function only by class name: the instance, with its
        # settings, is registered on the Java side
        t_env._j_tenv.createTemporarySystemFunction(name, function)
    for stmt in table_ddl(job, parameters):
        t_env.execute_sql(stmt)
    register_views(t_env, job, parameters)
    statement_set = t_env.create_statement_set()
    for stmt in statements(render(SQL_DIR / f"{job.outputs}.sql", parameters)):
        statement_set.add_insert_sql(stmt)
    return t_env, statement_set


def submit(config: Config, job: Job, restore: str | None = None):
    """Submit the job; returns the TableResult once the job is accepted."""
    _t_env, statement_set = build(config, job, restore)
    return statement_set.execute()


def main(job_name: str, argv: Iterable[str] | None = None) -> int:
    """``python -m flink_jobs.<job>``: submit the job and, unless --detached, wait while it runs."""
    job = get(job_name)
    parser = argparse.ArgumentParser(prog=f"python -m {job.module}", description=job.description)
    parser.add_argument("--config", help="TOML configuration file (default: $GMALL_RT_CONFIG)")
    parser.add_argument("--restore", help="a checkpoint or savepoint path to start from, or 'latest'")
    parser.add_argument("--detached", action="store_true", help="return once the job is submitted")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        config = config_module.load(args.config)
        result = submit(config, job, args.restore)
        print(f"{job.pipeline_name(config)}: submitted as {result.get_job_client().get_job_id()}", flush=True)
        if not args.detached:
            result.wait()
    except ConfigError as exc:
        print(f"{job.module}: error: {exc}", file=sys.stderr)
        return 1
    return 0
