"""The user-dim job: Canal messages of user_info applied to the hashes user:<id> (the writer's
logic on a stand-in Redis), and the job's SQL splitting readable messages from dead letters."""

import datetime

import pytest

from flink_jobs import jobs, user_dim
from tests.unit import flink_sql
from udfs import user_dim as writer

ROW = {"id": 10**12 + 7, "login_name": "u7", "nick_name": "n7", "passwd": "secret", "name": "王芳",
       "phone_num": "13800000000", "email": None, "head_img": None, "user_level": "2",
       "birthday": datetime.date(1990, 2, 28), "gender": "F",
       "create_time": datetime.datetime(2025, 1, 1, 8, 0, 0), "operate_time": datetime.datetime(2025, 1, 1, 8, 0, 0)}


class FakeRedis:
    """The hash commands the writer uses, queued like a pipeline and applied on execute."""

    def __init__(self):
        self.hashes, self.queued = {}, []

    def pipeline(self, transaction=True):
        return self

    def delete(self, key):
        self.queued.append(("del", key, None))

    def hset(self, key, mapping):
        assert mapping, "HSET needs at least one field"
        self.queued.append(("hset", key, dict(mapping)))

    def __len__(self):
        return len(self.queued)

    def execute(self):
        for command, key, mapping in self.queued:
            if command == "del":
                self.hashes.pop(key, None)
            else:
                self.hashes.setdefault(key, {}).update(mapping)
        self.queued = []


def expected_hash(row):
    return {k: str(v) for k, v in row.items() if v is not None and k != "passwd"}


def apply_all(redis, messages):
    counts = writer.apply(redis.pipeline(), messages)
    redis.execute()
    return counts


def test_inserts_updates_and_deletes_keep_each_hash_equal_to_its_row():
    redis = FakeRedis()
    key = f"user:{ROW['id']}"
    updated = dict(ROW, user_level="5", email="a@example.com", head_img=None)
    cleared = dict(updated, email=None)
    messages = [flink_sql.canal_message("INSERT", "user_info", ROW),
                flink_sql.canal_message("UPDATE", "user_info", updated, {"user_level": "2", "email": None})]
    assert apply_all(redis, messages) == [1, 1]
    assert redis.hashes[key] == expected_hash(updated) and "passwd" not in redis.hashes[key]
    apply_all(redis, [flink_sql.canal_message("UPDATE", "user_info", cleared, {"email": "a@example.com"})])
    assert redis.hashes[key] == expected_hash(cleared)  # a column set to NULL leaves the hash
    apply_all(redis, [flink_sql.canal_message("DELETE", "user_info", cleared)])
    assert key not in redis.hashes


def test_replaying_messages_from_a_checkpoint_ends_in_the_same_hashes():
    rows = [dict(ROW, id=ROW["id"] + n, user_level=str(n % 5)) for n in range(5)]
    messages = [flink_sql.canal_message("INSERT", "user_info", row) for row in rows]
    messages += [flink_sql.canal_message("UPDATE", "user_info", dict(rows[1], gender="M"), {"gender": "F"}),
                 flink_sql.canal_message("DELETE", "user_info", rows[3])]
    once = FakeRedis()
    apply_all(once, messages)
    for cut in range(len(messages) + 1):
        replayed = FakeRedis()
        apply_all(replayed, messages[:cut])
        apply_all(replayed, messages[max(0, cut - 3):])  # a restart re-applies what followed the checkpoint
        assert replayed.hashes == once.hashes, cut


def test_a_batched_message_and_a_changed_id():
    redis = FakeRedis()
    first, second = ROW, dict(ROW, id=ROW["id"] + 1)
    message = flink_sql.canal_message("INSERT", "user_info", first)
    batched = message.replace('"data": [', '"data": [' + flink_sql.canal_message("INSERT", "user_info", second)
                              .split('"data": [')[1].split("], ")[0] + ", ", 1)
    assert apply_all(redis, [batched]) == [2]
    assert set(redis.hashes) == {f"user:{first['id']}", f"user:{second['id']}"}
    moved = dict(second, id=ROW["id"] + 2)
    apply_all(redis, [flink_sql.canal_message("UPDATE", "user_info", moved, {"id": second["id"]})])
    assert set(redis.hashes) == {f"user:{first['id']}", f"user:{moved['id']}"}


def test_ddl_messages_change_nothing():
    ddl = '{"data":null,"database":"gmall","table":"user_info","type":"ALTER","isDdl":true,"sql":"ALTER TABLE x"}'
    redis = FakeRedis()
    assert apply_all(redis, [ddl]) == [0] and redis.hashes == {}


def test_the_job_writes_readable_messages_in_order_and_sends_the_rest_to_dead_letters(config, tmp_path):
    import pandas as pd
    from pyflink.table import DataTypes
    from pyflink.table.udf import udf

    good = [flink_sql.canal_message("INSERT", "user_info", ROW),
            flink_sql.canal_message("DELETE", "user_info", ROW)]
    bad_birthday = flink_sql.canal_message("INSERT", "user_info", dict(ROW, birthday="1990-02-30"))
    no_id = flink_sql.canal_message("INSERT", "user_info", {k: v for k, v in ROW.items() if k != "id"})
    lines = [good[0], "{", bad_birthday, no_id, '{"type": "TRUNCATE", "data": []}', good[1]]
    t_env = flink_sql.table_env(config)
    flink_sql.register_source(t_env, user_dim.JOB, config, "user_info_messages", lines, tmp_path, "raw")
    counting = udf(lambda s: pd.Series([len(writer.changes(line)) * 10 + n for n, line in enumerate(s)]),
                   result_type=DataTypes.INT(), func_type="pandas")
    t_env.create_temporary_system_function("write_user_changes", counting)
    jobs.register_views(t_env, user_dim.JOB, jobs.sql_parameters(config, user_dim.JOB))
    written = flink_sql.all_rows(t_env, "SELECT rows_applied FROM user_dim_writes")
    assert [row["rows_applied"] for row in written] == [10, 11]  # both, in order, one batch
    dead = flink_sql.all_rows(t_env, "SELECT source_topic, reason, `value` FROM user_info_dead_letters")
    assert [(d["source_topic"], d["reason"], d["value"]) for d in dead] == [
        (config.topics.user_info, "malformed JSON", "{"),
        (config.topics.user_info, "wrong type for birthday", bad_birthday),
        (config.topics.user_info, "missing field id", no_id),
        (config.topics.user_info, "unknown type TRUNCATE", '{"type": "TRUNCATE", "data": []}'),
    ]
