"""``lookup_user(user_id, known)``: the ordering user of an order line, for the sale-detail job.

A vectorized (pandas) scalar function. For the rows whose user the job has not seen in user_info's
changelog (``known`` false), it returns the user as JSON (``{"gender", "birthday", "user_level"}``)
read from the Redis hash ``user:<id>`` kept by the user-dim job, or, for a user not (yet) in Redis,
from MariaDB, so it is never left empty; NULL when the user exists in neither. Per Arrow batch it
makes one Redis round trip (a pipeline of HGETALLs for the distinct ids not in its cache) and at
most one MariaDB query (``WHERE id IN (...)``); users found are cached for a few seconds.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any, Callable, Iterable, Mapping

from udfs.user_dim import KEY_PREFIX, redis_connection

FIELDS = ("gender", "birthday", "user_level")


def as_json(user: Mapping[str, Any]) -> str:
    return json.dumps({name: None if user.get(name) is None else str(user[name]) for name in FIELDS},
                      separators=(",", ":"))


class UserCache:
    """Users by id for ``ttl_s`` seconds, at most ``size`` of them (the oldest go first)."""

    def __init__(self, ttl_s: float, size: int, clock: Callable[[], float] = time.monotonic):
        self.ttl_s, self.size, self.clock = ttl_s, size, clock
        self.entries: OrderedDict[int, tuple[float, str]] = OrderedDict()

    def get(self, user_id: int) -> str | None:
        entry = self.entries.get(user_id)
        if entry is None:
            return None
        if entry[0] < self.clock():
            del self.entries[user_id]
            return None
        return entry[1]

    def put(self, user_id: int, value: str) -> None:
        self.entries[user_id] = (self.clock() + self.ttl_s, value)
        self.entries.move_to_end(user_id)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


class UserReader:
    """Users from Redis, then MariaDB; ``redis_client`` and ``mariadb_connect`` are injected."""

    def __init__(self, redis_client, mariadb_connect: Callable[[], Any], cache: UserCache):
        self.redis, self.mariadb_connect, self.cache = redis_client, mariadb_connect, cache
        self.mariadb = None
        self.stats = {"redis": 0, "mariadb": 0, "cached": 0, "missing": 0}

    def users(self, user_ids: Iterable[int]) -> dict[int, str]:
        wanted = list(dict.fromkeys(user_ids))
        found: dict[int, str] = {}
        misses = []
        for user_id in wanted:
            cached = self.cache.get(user_id)
            if cached is None:
                misses.append(user_id)
            else:
                found[user_id] = cached
        self.stats["cached"] += len(found)
        if not misses:
            return found
        pipeline = self.redis.pipeline(transaction=False)
        for user_id in misses:
            pipeline.hmget(f"{KEY_PREFIX}{user_id}", "id", *FIELDS)
        not_in_redis = []
        for user_id, values in zip(misses, pipeline.execute()):
            if values[0] is None:  # every user hash has its id
                not_in_redis.append(user_id)
            else:
                found[user_id] = as_json(dict(zip(FIELDS, values[1:])))
                self.cache.put(user_id, found[user_id])
        self.stats["redis"] += len(misses) - len(not_in_redis)
        if not_in_redis:
            from_db = self.from_mariadb(not_in_redis)
            for user_id, value in from_db.items():
                found[user_id] = value
                self.cache.put(user_id, value)
            self.stats["mariadb"] += len(from_db)
            self.stats["missing"] += len(not_in_redis) - len(from_db)
        return found

    def from_mariadb(self, user_ids: list[int]) -> dict[int, str]:
        for attempt in (1, 2):  # a connection dropped while idle is opened again once
            try:
                if self.mariadb is None:
                    self.mariadb = self.mariadb_connect()
                with self.mariadb.cursor() as cursor:
                    cursor.execute(
                        f"SELECT id, gender, birthday, user_level FROM user_info "
                        f"WHERE id IN ({', '.join(['%s'] * len(user_ids))})", user_ids)
                    return {int(row[0]): as_json(dict(zip(FIELDS, row[1:]))) for row in cursor.fetchall()}
            except Exception:
                if self.mariadb is not None:
                    try:
                        self.mariadb.close()
                    except Exception:
                        pass
                    self.mariadb = None
                if attempt == 2:
                    raise
        return {}

    def close(self) -> None:
        if self.mariadb is not None:
            self.mariadb.close()
            self.mariadb = None


def lookup_values(reader: UserReader, user_ids, known) -> list[str | None]:
    """The function's result for one batch: JSON for unknown users that exist, else None."""
    needed = [int(user_id) for user_id, is_known in zip(user_ids, known)
              if not is_known and user_id is not None and user_id == user_id]  # NaN != NaN
    users = reader.users(needed) if needed else {}
    return [None if is_known or user_id is None or user_id != user_id else users.get(int(user_id))
            for user_id, is_known in zip(user_ids, known)]


def mariadb_connector(settings: Mapping[str, Any]) -> Callable[[], Any]:
    def connect():
        import pymysql

        return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                               password=settings.get("password") or "", database=settings["database"],
                               autocommit=True, connect_timeout=10, read_timeout=30)
    return connect


def user_lookup(redis_settings: Mapping[str, Any], mariadb_settings: Mapping[str, Any],
                cache_ttl_s: float = 5.0, cache_size: int = 200_000):
    """The pandas UDF ``lookup_user(user_id BIGINT, known BOOLEAN) -> STRING``, reading the given
    Redis (``{"host", "port", "password"}``) and MariaDB (``{"host", "port", "user", "password",
    "database"}``)."""
    import pandas as pd
    from pyflink.table import DataTypes
    from pyflink.table.udf import ScalarFunction, udf

    class LookupUser(ScalarFunction):
        def __init__(self):
            self.redis_settings, self.mariadb_settings = dict(redis_settings), dict(mariadb_settings)
            self.reader = None

        def open(self, function_context):
            self.reader = UserReader(redis_connection(self.redis_settings),
                                     mariadb_connector(self.mariadb_settings),
                                     UserCache(cache_ttl_s, cache_size))

        def eval(self, user_ids: pd.Series, known: pd.Series) -> pd.Series:
            return pd.Series(lookup_values(self.reader, user_ids.tolist(), known.tolist()), dtype=object)

        def close(self):
            if self.reader is not None:
                self.reader.close()

        def is_deterministic(self):
            return False

    # not deterministic (Redis changes): the planner then calls it once per row, never once per use
    return udf(LookupUser(), result_type=DataTypes.STRING(), func_type="pandas", deterministic=False)


def in_memory_lookup(users: Mapping[int, Mapping[str, Any]]):
    """``lookup_user`` over a dict of users by id (for running the job's SQL without services)."""
    import pandas as pd
    from pyflink.table import DataTypes
    from pyflink.table.udf import udf

    def lookup(user_ids: pd.Series, known: pd.Series) -> pd.Series:
        return pd.Series([None if k or u is None or u != u or int(u) not in users else as_json(users[int(u)])
                          for u, k in zip(user_ids.tolist(), known.tolist())], dtype=object)

    return udf(lookup, result_type=DataTypes.STRING(), func_type="pandas", deterministic=False)
