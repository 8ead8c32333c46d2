"""`gmall-rt schema apply`: create or update what the jobs write to and their connectors do not
create, as the administrator, so the jobs' own accounts need no rights to change a schema.

- MariaDB: the report database and its tables (``schema/mariadb``), as ``mariadb.admin_user``;
- Phoenix: the tables the HBase sinks write in Phoenix's layout (``schema/phoenix``), which also
  creates their HBase tables, named as the configuration names them (``hbase.dau_table``, ...);
- Elasticsearch: the index templates of the jobs' daily indices and aliases (``schema/elasticsearch``),
  each named after its configured family of indices (``elasticsearch.coupon_alert_index``, ...).

Every statement is idempotent (``IF NOT EXISTS``; a template is replaced by its current version),
so applying it again changes nothing that is already right. ``gmall-rt stack up`` applies it to
the local stack; elsewhere run it once per release, before the jobs are submitted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from flink_jobs.jobs import render, statements
from gmall_rt import clients
from gmall_rt.config import Config

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
REPORT_TABLES_FILE = SCHEMA_DIR / "mariadb" / "report_tables.sql"
PHOENIX_DIR = SCHEMA_DIR / "phoenix"
ELASTICSEARCH_DIR = SCHEMA_DIR / "elasticsearch"
_CREATED = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)", re.IGNORECASE)


def _created_table(statement: str) -> str | None:
    match = _CREATED.search(statement)
    return match.group(1) if match else None


def apply_report_tables(config: Config) -> list[str]:
    database = config.mariadb.report_database
    with clients.mariadb_admin(config) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}` DEFAULT CHARACTER SET utf8mb4")
        cur.execute(f"USE `{database}`")
        created = []
        for stmt in statements(REPORT_TABLES_FILE.read_text()):
            cur.execute(stmt)
            created.append(f"{database}.{_created_table(stmt)}")
    return created


def phoenix_statements(config: Config) -> list[str]:
    """The Phoenix DDL, with the configured table names; each without its closing semicolon, as
    Phoenix takes a statement."""
    names = {"hbase_dau_table": config.hbase.dau_table, "hbase_order_info_table": config.hbase.order_info_table}
    return [stmt for path in sorted(PHOENIX_DIR.glob("*.sql")) for stmt in statements(render(path, names) + ";")]


def apply_phoenix_tables(config: Config) -> list[str]:
    created = []
    with clients.phoenix(config) as conn:
        cursor = conn.cursor()
        for stmt in phoenix_statements(config):
            cursor.execute(stmt)
            created.append(_created_table(stmt))
        cursor.close()
    return created


def index_templates(config: Config) -> dict[str, dict]:
    """Each index template by name: the name of its family, whose daily indices <name>-<yyyy-MM-dd>
    it matches and puts behind the alias <name>."""
    families = {"coupon_alert": config.elasticsearch.coupon_alert_index,
                "sale_detail": config.elasticsearch.sale_detail_index}
    return {name: json.loads(render(ELASTICSEARCH_DIR / f"{template}.json", {"index": name}))
            for template, name in families.items()}


def apply_index_templates(config: Config) -> list[str]:
    es = clients.elasticsearch(config)
    for name, body in index_templates(config).items():
        es.indices.put_index_template(name=name, body=body)
    return list(index_templates(config))


class SchemaError(Exception):
    """A part of the schema could not be applied; the message says which and where."""


def apply(config: Config, report=print) -> None:
    steps = (
        ("MariaDB tables", f"{config.mariadb.admin_user}@{config.mariadb.host}:{config.mariadb.port}",
         apply_report_tables),
        ("Phoenix tables", config.phoenix.url, apply_phoenix_tables),
        ("Elasticsearch index templates", config.elasticsearch.url, apply_index_templates),
    )
    for what, where, step in steps:
        try:
            report(f"schema: {what} {', '.join(step(config))}")
        except Exception as exc:  # any client's error: say which step and where, then stop
            raise SchemaError(f"schema: could not apply the {what} at {where}: {exc}") from exc

