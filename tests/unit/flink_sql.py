"""Run a job's logic (its views in sql/) on in-memory rows, in an in-process Flink.

The source tables are the job's own DDL from flink_jobs/sql/connectors, schema, event time and watermark
included, with only the connector swapped: the rows are written to a temporary file read by the
filesystem connector. A source's Kafka metadata columns (partition, record timestamp) become
columns of that file, so a test gives each log its partition and record time. The jobs read changelogs and need per-record watermarks, which batch mode
does not have, so the logic runs in streaming mode over this bounded input, one record at a time
(parallelism 1, a watermark after every record as in the jobs' Kafka sources), and the changelog a
view emits is folded into its final rows.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from pathlib import Path
from typing import Any, Iterable

from pyflink.common import RowKind

from flink_jobs import jobs
from gmall_rt.config import Config
from gmall_rt.reference import KafkaRecord
from flink_jobs.table_env import create_table_env

_WITH_CLAUSE = re.compile(r"\)\s*WITH\s*\(.*\)\s*$", re.DOTALL)
_OPTION = re.compile(r"'([^']+)'\s*=\s*'([^']*)'")
_KAFKA_METADATA = re.compile(r"\s+METADATA FROM '(partition|timestamp)' VIRTUAL")


def source_ddl(job: jobs.Job, config: Config, table: str) -> str:
    """The job's CREATE TABLE statement for ``table``, as it runs in production."""
    parameters = jobs.sql_parameters(config, job)
    for stmt in jobs.table_ddl(job, parameters):
        if re.search(rf"CREATE TABLE {table}\s*\(", stmt):
            return stmt
    raise AssertionError(f"job {job.name} declares no table {table}")


def table_env(config: Config):
    t_env = create_table_env(config, streaming=True)
    jobs.register_functions(t_env)  # the sources' event time is computed with them
    settings = t_env.get_config()
    settings.set("parallelism.default", "1")
    settings.set("pipeline.auto-watermark-interval", "0")
    settings.set("table.local-time-zone", config.time.zone)
    return t_env


def register_source(t_env, job: jobs.Job, config: Config, table: str, lines: Iterable[str | KafkaRecord],
                    directory: Path) -> None:
    """``table`` with the job's schema, reading ``lines`` (one record each) in this order, each with
    the format the job reads it with. A table with Kafka metadata reads each line with its partition
    and record time (a plain string: partition 0, no record time)."""
    path = directory / f"{table}.txt"
    ddl = source_ddl(job, config, table)
    if _KAFKA_METADATA.search(ddl):
        ddl = _KAFKA_METADATA.sub("", ddl)
        records = [line if isinstance(line, KafkaRecord) else KafkaRecord(line) for line in lines]
        path.write_text("".join(json.dumps({
            "line": _as_base64(record.value),
            "kafka_partition": record.partition,
            "record_time": None if record.timestamp_ms is None else _iso_instant(record.timestamp_ms),
        }) + "\n" for record in records), encoding="utf-8")
        options = (f") WITH ('connector' = 'filesystem', 'path' = '{path.as_uri()}', 'format' = 'json', "
                   "'json.timestamp-format.standard' = 'ISO-8601')")
    else:
        path.write_bytes(b"".join((line if isinstance(line, bytes) else line.encode("utf-8")) + b"\n"
                                  for line in lines))
        options = f") WITH ('connector' = 'filesystem', 'path' = '{path.as_uri()}', {format_options(ddl)})"
    t_env.execute_sql(_WITH_CLAUSE.sub(lambda _match: options, ddl))


def _as_base64(value: str | bytes | None) -> str | None:
    """A record's value as the JSON format reads a BYTES column: base64 of its bytes."""
    if value is None:
        return None
    return base64.b64encode(value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")).decode()


def format_options(ddl: str) -> str:
    """The ``'format'`` of a CREATE TABLE statement and the format's own options, as WITH items."""
    options = dict(_OPTION.findall(_WITH_CLAUSE.search(ddl).group(0)))
    fmt = options["format"]
    return ", ".join(f"'{key}' = '{value}'" for key, value in options.items()
                     if key == "format" or key.startswith(f"{fmt}."))


def _iso_instant(epoch_ms: int) -> str:
    """An instant as the JSON format reads a TIMESTAMP_LTZ: ISO-8601 in UTC, with milliseconds."""
    moment = datetime.datetime.fromtimestamp(epoch_ms / 1000, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def final_rows(t_env, query: str, key: Iterable[str]) -> dict[tuple, dict[str, Any]]:
    """The rows a streaming query ends with, by ``key``: its changelog applied in order."""
    result = t_env.execute_sql(query)
    names = result.get_table_schema().get_field_names()
    key = tuple(key)
    rows: dict[tuple, dict[str, Any]] = {}
    with result.collect() as changes:
        for change in changes:
            row = dict(zip(names, change))
            row_key = tuple(row[k] for k in key)
            if change.get_row_kind() in (RowKind.INSERT, RowKind.UPDATE_AFTER):
                rows[row_key] = row
            else:
                rows.pop(row_key, None)
    return rows


def all_rows(t_env, query: str) -> list[dict[str, Any]]:
    """Every row an insert-only query emits, in order."""
    result = t_env.execute_sql(query)
    names = result.get_table_schema().get_field_names()
    with result.collect() as rows:
        return [dict(zip(names, row)) for row in rows]


def canal_message(change: str, table: str, row: dict, old: dict | None = None, database: str = "gmall") -> str:
    """A Canal flatMessage as Canal writes it: every value as text, NULL as null."""
    def text(values: dict) -> dict:
        return {k: None if v is None else str(v) for k, v in values.items()}

    message = {"data": [text(row)], "database": database, "table": table, "type": change,
               "isDdl": False, "pkNames": ["id"], "old": [text(old)] if old is not None else None,
               "es": 0, "ts": 0, "sql": "", "sqlType": {}, "mysqlType": {}, "id": 0}
    return json.dumps(message, ensure_ascii=False)
