"""The user dimension in Redis: user_info's Canal messages applied to the hashes ``user:<id>``.

``write_user_changes(line)`` is a vectorized (pandas) scalar function: each Arrow batch of messages
is applied in one Redis transaction (MULTI/EXEC, one round trip), in topic order. An insert or an
update replaces the hash with the row's non-NULL columns (``passwd`` is never copied); a delete
removes it; an update that changes the id removes the old key. Applying a message again gives the
same hash, so replaying the messages after the last checkpoint ends in the same state: with the
Kafka offsets in the checkpoint (and Flink finishing every batch before a checkpoint) the
dimension is exactly the table.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

KEY_PREFIX = "user:"
SKIPPED_COLUMNS = frozenset({"passwd"})


def user_key(user_id: Any) -> str:
    return f"{KEY_PREFIX}{int(user_id)}"


def changes(line: str) -> list[tuple[str, str, dict[str, str]]]:
    """The Redis changes of one Canal message: ``("set", key, fields)`` or ``("del", key, {})``.

    The message has been checked (``canal_message_error`` is NULL): a DDL message has none."""
    message = json.loads(line)
    if message.get("isDdl"):
        return []
    kind = message["type"]
    result = []
    for position, row in enumerate(message["data"]):
        key = user_key(row["id"])
        if kind == "DELETE":
            result.append(("del", key, {}))
            continue
        old = (message.get("old") or [])
        old_row = old[position] if position < len(old) and isinstance(old[position], dict) else {}
        if kind == "UPDATE" and old_row.get("id") is not None and str(old_row["id"]) != str(row["id"]):
            result.append(("del", user_key(old_row["id"]), {}))
        fields = {name: str(value) for name, value in row.items()
                  if value is not None and name not in SKIPPED_COLUMNS}
        result.append(("set", key, fields))
    return result


def apply(pipeline, lines: Iterable[str]) -> list[int]:
    """Queue every message's changes on ``pipeline``; the number of rows each message changed."""
    counts = []
    for line in lines:
        message_changes = changes(line)
        for action, key, fields in message_changes:
            pipeline.delete(key)
            if action == "set":
                pipeline.hset(key, mapping=fields)
        counts.append(sum(1 for action, _key, _fields in message_changes))
    return counts


def redis_connection(settings: Mapping[str, Any]):
    import redis

    return redis.Redis(host=settings["host"], port=int(settings["port"]),
                       password=settings.get("password") or None, decode_responses=True,
                       socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)


def user_changes_writer(redis_settings: Mapping[str, Any]):
    """The pandas UDF ``write_user_changes(line STRING) -> INT`` writing to the given Redis
    (``{"host", "port", "password"}``)."""
    import pandas as pd
    from pyflink.table import DataTypes
    from pyflink.table.udf import ScalarFunction, udf

    class WriteUserChanges(ScalarFunction):
        def __init__(self, settings):
            self.settings = dict(settings)
            self.client = None

        def open(self, function_context):
            self.client = redis_connection(self.settings)

        def eval(self, lines: pd.Series) -> pd.Series:
            pipeline = self.client.pipeline(transaction=True)
            counts = apply(pipeline, lines)
            if len(pipeline):
                pipeline.execute()
            return pd.Series(counts, dtype="int32")

        def close(self):
            if self.client is not None:
                self.client.close()

    return udf(WriteUserChanges(redis_settings), result_type=DataTypes.INT(), func_type="pandas")
