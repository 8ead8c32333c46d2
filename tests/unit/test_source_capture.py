"""The test database beside the app's source database (canal.test_database): Canal captures the
same tables of both, each database's to topics of its own, and every account has the same least
rights on both. Canal's properties are read here as Canal 1.1.4 reads them (MQMessageUtils,
AviaterRegexFilter) once java.util.Properties has loaded them: comma-separated entries, each
pattern matched against the whole lower-cased ``<database>.<table>``."""

import dataclasses
import re

import pytest

from gmall_rt import config as config_module
from gmall_rt.config import Config, ConfigError
from gmall_rt.stack.canal import Canal
from gmall_rt.stack.mariadb import MariaDB

TABLES = ("order_info", "order_detail", "user_info")


def captured(properties: dict, name: str) -> bool:
    """Whether Canal's table filter takes ``name`` (<database>.<table>)."""
    patterns = properties["canal.instance.filter.regex"].split(",")
    return any(re.fullmatch(pattern, name.lower()) for pattern in patterns)


def topic_of(properties: dict, name: str) -> str:
    """The topic Canal sends a change of ``name`` to: the dynamicTopic entry whose table is it,
    else the default topic."""
    for entry in properties["canal.mq.dynamicTopic"].split(","):
        topic, table = entry.split(":", 1)
        if table.lower() == name.lower():
            return topic
    return properties["canal.mq.topic"]


def hash_columns(properties: dict, name: str) -> list[str] | None:
    for entry in properties["canal.mq.partitionHash"].split(","):
        pattern, columns = entry.rsplit(":", 1)
        if re.fullmatch(pattern, name.lower()):
            return columns.split("^")
    return None


def test_canal_captures_both_databases_each_to_its_own_topics_partitioned_by_id():
    config = Config()
    properties = Canal(config).instance_properties()
    source, test = config.mariadb.source_database, config.canal.test_database
    assert test, "the stack keeps a test database by default"
    for table in TABLES:
        assert captured(properties, f"{source}.{table}") and captured(properties, f"{test}.{table}")
        assert topic_of(properties, f"{source}.{table}") == getattr(config.topics, table)
        assert topic_of(properties, f"{test}.{table}") == config.canal.test_topics()[table]
        assert hash_columns(properties, f"{source}.{table}") == hash_columns(properties, f"{test}.{table}") == ["id"]
    for other in (f"{source}.other", f"{config.mariadb.report_database}.dau_hour", f"{test}x.order_info",
                  f"{source}_e2ex.order_info"):
        assert not captured(properties, other), other
    assert len(set(Canal(config).routes().values())) == 2 * len(TABLES)


def test_without_a_test_database_canal_captures_the_source_database_alone():
    config = dataclasses.replace(Config(), canal=dataclasses.replace(Config().canal, test_database=""))
    properties = Canal(config).instance_properties()
    assert properties["canal.instance.filter.regex"] == "gmall\\.(order_info|order_detail|user_info)"
    assert properties["canal.mq.dynamicTopic"] == (
        "gmall_order_info:gmall.order_info,gmall_order_detail:gmall.order_detail,gmall_user_info:gmall.user_info")
    assert properties["canal.mq.partitionHash"] == "gmall\\.order_info:id,gmall\\.order_detail:id,gmall\\.user_info:id"


def test_every_account_has_the_same_least_rights_on_both_source_databases_from_loopback_only():
    config = Config()
    mariadb = MariaDB(config)
    grants = {user: set(rights) for user, _password, rights in mariadb.accounts()}
    db, canal = config.mariadb, config.canal
    report = f"`{db.report_database}`.*"
    sources = [db.source_database, canal.test_database]
    assert grants == {
        db.admin_user: {("ALL PRIVILEGES", report)},
        db.user: {("SELECT, INSERT, UPDATE, DELETE", report), *{("SELECT", f"`{s}`.`user_info`") for s in sources}},
        db.reader_user: {("SELECT", report)},
        db.source_user: {("SELECT, INSERT, UPDATE, DELETE", f"`{s}`.*") for s in sources},
        canal.user: {("REPLICATION SLAVE, REPLICATION CLIENT, SLAVE MONITOR, BINLOG MONITOR", "*.*"),
                     *{("SELECT", f"`{s}`.*") for s in sources}},
    }
    assert mariadb.account("gmall") == "'gmall'@'127.0.0.1'"


@pytest.mark.parametrize("toml, message", [
    ("[canal]\ntest_database = 'gmall'\n", "canal.test_database: 'gmall' must be lower-case"),
    ("[canal]\ntest_database = 'Gmall_E2E'\n", "canal.test_database: 'Gmall_E2E' must be lower-case"),
    ("[canal]\ntest_user_info_topic = 'gmall_user_info'\n", "must differ from each other and from every topic"),
    ("[canal]\ntest_user_info_topic = 'gmall_e2e_order_info'\n", "must differ from each other"),
])
def test_a_test_database_that_would_mix_with_the_source_is_refused(tmp_path, toml, message):
    conf = tmp_path / "gmall.toml"
    conf.write_text(toml)
    with pytest.raises(ConfigError, match=re.escape(message)):
        config_module.load(str(conf), environ={"GMALL_STACK_STATE_DIR": str(tmp_path)})
