"""The Flink jobs: which SQL files each one runs, with which parameters, and how it is submitted.

A job is Flink SQL only: its connector DDL (``sql/ddl/flink``), its logic as views (``sql/<job>``)
and one file of INSERTs wiring the views to the sinks, run as one statement set. The SQL files hold
``${name}`` placeholders filled from the configuration (:func:`sql_parameters`), so the same files
run against the local stack, in Kubernetes, and (with the connectors swapped) on in-memory rows.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import string
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from flink_jobs import clients, config as config_module
from flink_jobs.config import Config, ConfigError
from flink_jobs.paths import SQL_DIR

DDL_DIR = SQL_DIR / "ddl" / "flink"
FUNCTIONS_FILE = SQL_DIR / "functions.sql"
PHOENIX_DDL_DIR = SQL_DIR / "ddl" / "phoenix"
ELASTICSEARCH_DDL_DIR = SQL_DIR / "ddl" / "elasticsearch"
REPORT_TABLES_FILE = SQL_DIR / "ddl" / "mariadb" / "report_tables.sql"
DEPLOYMENTS = ("session", "embedded", "application")
# aggregates and deduplication buffer input for a moment and touch each key's state once per
# buffer, and send the sinks one change per key instead of one per record
MINI_BATCH = (
    ("table.exec.mini-batch.enabled", "true"),
    ("table.exec.mini-batch.allow-latency", "500 ms"),
    ("table.exec.mini-batch.size", "5000"),
)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    tables: tuple[str, ...]  # connector DDL files in sql/ddl/flink, without .sql
    views: tuple[str, ...]  # logic files in sql/, in dependency order, without .sql
    outputs: str  # the file of INSERT statements, without .sql
    phoenix_tables: tuple[str, ...] = ()  # sql/ddl/phoenix files the job's HBase sinks need
    report_tables: bool = False  # writes to gmall_report in MariaDB
    # index templates (sql/ddl/elasticsearch/<name>.json) for the job's daily indices and alias
    elasticsearch_templates: tuple[str, ...] = ()
    state_ttl_h: Callable[[Config], int] = lambda config: 0
    table_options: tuple[tuple[str, str], ...] = ()
    # functions the job's SQL calls that need the configuration (connection settings travel inside
    # the function, never in SQL text or job parameters), by name, built with it: Python UDFs
    # (from udfs/), and Java functions (java/udfs) as objects made through the Java gateway
    python_functions: Callable[[Config], Mapping[str, Any]] = lambda config: {}
    java_functions: Callable[[Config], Mapping[str, Any]] = lambda config: {}

    @property
    def module(self) -> str:
        return f"flink_jobs.{self.name.replace('-', '_')}"

    @property
    def pipeline_name(self) -> str:
        return f"gmall-{self.name}"


JOB_NAMES = ("dau", "gmv", "alert", "user-dim", "sale-detail")


def get(name: str) -> Job:
    """The job named ``name``, as its module ``flink_jobs.<name>`` defines it (``JOB``)."""
    if name not in JOB_NAMES:
        raise ConfigError(f"no job named {name!r}; the jobs are {', '.join(JOB_NAMES)}")
    return importlib.import_module(f"flink_jobs.{name.replace('-', '_')}").JOB


# ---------------------------------------------------------------------------------------------
# SQL files


def sql_parameters(config: Config, job: Job) -> dict[str, str]:
    """Every ``${name}`` the SQL files may use, from the configuration."""
    topics, mariadb = config.topics, config.mariadb
    return {
        "kafka_bootstrap_servers": config.kafka.bootstrap_servers,
        "kafka_startup_mode": config.kafka.startup_mode,
        "pipeline_name": job.pipeline_name,
        "group_id": job.pipeline_name,
        "transactional_id_prefix": f"{job.pipeline_name}-dead-letters",
        "topic_start": topics.start,
        "topic_event": topics.event,
        "topic_order_info": topics.order_info,
        "topic_order_detail": topics.order_detail,
        "topic_user_info": topics.user_info,
        "topic_dead_letter": topics.dead_letter,
        "topic_sale_detail_changes": topics.sale_detail_changes,
        "allowed_lateness_s": str(config.time.allowed_lateness_s),
        "max_future_ms": str(config.time.max_future_s * 1000),
        "jdbc_report_url": f"jdbc:mysql://{mariadb.host}:{mariadb.port}/{mariadb.report_database}",
        "jdbc_source_url": f"jdbc:mysql://{mariadb.host}:{mariadb.port}/{mariadb.source_database}",
        "mariadb_user": mariadb.user,
        "mariadb_password": mariadb.password,
        "hbase_zookeeper_quorum": config.hbase.zookeeper_quorum,
        "elasticsearch_url": config.elasticsearch.url,
    }


def render(path: Path, parameters: dict[str, str]) -> str:
    try:
        return string.Template(path.read_text()).substitute(parameters)
    except KeyError as exc:
        raise ConfigError(f"{path}: no value for ${{{exc.args[0]}}}") from None


_STATEMENT_END = re.compile(r";\s*$", re.MULTILINE)


def statements(text: str) -> list[str]:
    """The statements of a SQL file: each ends with ``;`` at the end of a line; comments kept."""
    chunks = (chunk.strip() for chunk in _STATEMENT_END.split(text))
    return [chunk for chunk in chunks if any(
        line.strip() and not line.strip().startswith("--") for line in chunk.splitlines())]


def table_ddl(job: Job, parameters: dict[str, str]) -> list[str]:
    return [stmt for table in job.tables for stmt in statements(render(DDL_DIR / f"{table}.sql", parameters))]


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


def checkpoint_root(config: Config) -> str:
    from flink_jobs.stack.flink import flink_home

    return config.flink.checkpoint_dir or (flink_home(config) / "checkpoints").as_uri()


def job_settings(config: Config, job: Job) -> dict[str, str]:
    """Exactly-once by default: checkpoints with RocksDB state, offsets in the checkpoints, kept on
    cancellation so a job can be restarted from its latest one."""
    settings = {
        "pipeline.name": job.pipeline_name,
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
        **dict(job.table_options),
    }
    if config.flink.deployment != "application" or config.flink.checkpoint_dir:
        settings["execution.checkpointing.dir"] = f"{checkpoint_root(config).rstrip('/')}/{job.name}"
    return settings


def latest_checkpoint(config: Config, job: Job) -> str | None:
    """The newest completed checkpoint of any run of ``job`` in the local checkpoint directory."""
    root = checkpoint_root(config)
    if not root.startswith("file:"):
        raise ConfigError(f"--restore latest looks only in a local checkpoint directory, not {root}; "
                          "give the checkpoint's path instead")
    job_dir = Path(root.removeprefix("file://").removeprefix("file:")) / job.name
    completed = [meta.parent for meta in job_dir.glob("*/chk-*/_metadata")]
    return str(max(completed, key=lambda path: path.stat().st_mtime)) if completed else None


def create_job_env(config: Config, job: Job, restore: str | None = None):
    from flink_jobs.table_env import create_table_env

    deployment = config.flink.deployment
    if deployment not in DEPLOYMENTS:
        raise ConfigError(f"flink.deployment {deployment!r} is not one of {', '.join(DEPLOYMENTS)}")
    t_env = create_table_env(config, streaming=True, remote=deployment == "session",
                             local_home=deployment != "application")
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
# Sinks that must exist before the job writes


def prepare_sinks(config: Config, job: Job) -> None:
    """Create what the job writes to and its connectors do not create: the report tables, the
    Phoenix tables (and so the HBase tables), the Elasticsearch index templates."""
    if job.report_tables:
        with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cur:
            for stmt in statements(REPORT_TABLES_FILE.read_text()):
                cur.execute(stmt)
    if job.phoenix_tables:
        with clients.phoenix(config) as conn:
            cursor = conn.cursor()
            for table in job.phoenix_tables:
                for stmt in statements((PHOENIX_DDL_DIR / f"{table}.sql").read_text() + ";"):
                    cursor.execute(stmt)
            cursor.close()
    if job.elasticsearch_templates:
        es = clients.elasticsearch(config)
        for name in job.elasticsearch_templates:
            body = json.loads((ELASTICSEARCH_DDL_DIR / f"{name}.json").read_text())
            es.indices.put_index_template(name=name, body=body)


# ---------------------------------------------------------------------------------------------
# Running a job


def build(config: Config, job: Job, restore: str | None = None):
    """The job's table environment and its statement set, ready to execute."""
    parameters = sql_parameters(config, job)
    t_env = create_job_env(config, job, restore)
    register_functions(t_env)
    for name, function in job.python_functions(config).items():
        t_env.create_temporary_system_function(name, function)
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
    """Create the job's sinks and submit it; returns the TableResult once the job is accepted."""
    prepare_sinks(config, job)
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
        result = submit(config_module.load(args.config), job, args.restore)
        print(f"{job.pipeline_name}: submitted as {result.get_job_client().get_job_id()}", flush=True)
        if not args.detached:
            result.wait()
    except ConfigError as exc:
        print(f"{job.pipeline_name}: error: {exc}", file=sys.stderr)
        return 1
    return 0
