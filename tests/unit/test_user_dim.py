"""The user-dim job's SQL on in-memory rows: user_info's Canal messages become the rows of the
Redis hashes user:<id> (every column but passwd, as Canal's text), in order, and the messages that
cannot be read go to the dead-letter topic. How the sink turns rows into Redis writes is tested
with the sink (java/redis-connector)."""

import datetime

from flink_jobs import jobs, user_dim
from tests.unit import flink_sql

ROW = {"id": 10**12 + 7, "login_name": "u7", "nick_name": "n7", "passwd": "secret", "name": "王芳",
       "phone_num": "13800000000", "email": None, "head_img": None, "user_level": "2",
       "birthday": datetime.date(1990, 2, 28), "gender": "F",
       "create_time": datetime.datetime(2025, 1, 1, 8, 0, 0), "operate_time": datetime.datetime(2025, 1, 1, 8, 0, 0)}


def expected_hash(row):
    """What the user's hash holds, from the table's row: its non-NULL columns but passwd, as text."""
    return {k: str(v) for k, v in row.items() if v is not None and k != "passwd"}


def dimension(config, tmp_path, messages):
    """The hashes the job's rows end with, by key, as the sink writes them (NULL columns left out)."""
    t_env = flink_sql.table_env(config)
    flink_sql.register_source(t_env, user_dim.JOB, config, "user_info_source", messages, tmp_path)
    flink_sql.register_source(t_env, user_dim.JOB, config, "user_info_messages", [], tmp_path)
    jobs.register_views(t_env, user_dim.JOB, jobs.sql_parameters(config, user_dim.JOB))
    rows = flink_sql.final_rows(t_env, "SELECT * FROM user_dim_rows", ["id"])
    return {f"user:{key[0]}": {k: str(v) for k, v in row.items() if v is not None} for key, row in rows.items()}


def test_inserts_updates_and_deletes_keep_each_hash_equal_to_its_row(config, tmp_path):
    kept = dict(ROW, id=ROW["id"] + 1)
    updated = dict(ROW, user_level="5", email="a@example.com", head_img=None)
    cleared = dict(updated, email=None)  # a column set to NULL leaves the hash
    deleted = dict(ROW, id=ROW["id"] + 2)
    messages = [flink_sql.canal_message("INSERT", "user_info", ROW),
                flink_sql.canal_message("INSERT", "user_info", kept),
                flink_sql.canal_message("INSERT", "user_info", deleted),
                flink_sql.canal_message("UPDATE", "user_info", updated, {"user_level": "2", "email": None}),
                flink_sql.canal_message("UPDATE", "user_info", cleared, {"email": "a@example.com"}),
                flink_sql.canal_message("DELETE", "user_info", deleted)]
    assert dimension(config, tmp_path, messages) == {
        f"user:{ROW['id']}": expected_hash(cleared), f"user:{kept['id']}": expected_hash(kept)}


def test_a_changed_id_moves_the_hash(config, tmp_path):
    moved = dict(ROW, id=ROW["id"] + 9)
    messages = [flink_sql.canal_message("INSERT", "user_info", ROW),
                flink_sql.canal_message("UPDATE", "user_info", moved, {"id": ROW["id"]})]
    assert dimension(config, tmp_path, messages) == {f"user:{moved['id']}": expected_hash(moved)}


def test_unreadable_messages_are_dead_letters_with_their_reason_and_ddl_is_neither(config, tmp_path):
    good = [flink_sql.canal_message("INSERT", "user_info", ROW),
            flink_sql.canal_message("DELETE", "user_info", ROW)]
    bad_birthday = flink_sql.canal_message("INSERT", "user_info", dict(ROW, birthday="1990-02-30"))
    no_id = flink_sql.canal_message("INSERT", "user_info", {k: v for k, v in ROW.items() if k != "id"})
    ddl = '{"data":null,"database":"gmall","table":"user_info","type":"ALTER","isDdl":true,"sql":"ALTER TABLE x"}'
    lines = [good[0], "{", bad_birthday, ddl, no_id, '{"type": "TRUNCATE", "data": []}', good[1]]
    t_env = flink_sql.table_env(config)
    flink_sql.register_source(t_env, user_dim.JOB, config, "user_info_messages", lines, tmp_path)
    flink_sql.register_source(t_env, user_dim.JOB, config, "user_info_source", [], tmp_path)
    jobs.register_views(t_env, user_dim.JOB, jobs.sql_parameters(config, user_dim.JOB))
    dead = flink_sql.all_rows(t_env, "SELECT source_topic, reason, `value` FROM user_info_dead_letters")
    assert [(d["source_topic"], d["reason"], d["value"]) for d in dead] == [
        (config.topics.user_info, "malformed JSON", "{"),
        (config.topics.user_info, "wrong type for birthday", bad_birthday),
        (config.topics.user_info, "missing field id", no_id),
        (config.topics.user_info, "unknown type TRUNCATE", '{"type": "TRUNCATE", "data": []}'),
    ]
