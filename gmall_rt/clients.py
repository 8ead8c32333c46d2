"""Connections to the configured services, as the project's tools and tests open them."""

from __future__ import annotations

import phoenixdb
import pymysql
import redis as redis_client
from elasticsearch import Elasticsearch

from gmall_rt.config import Config


def _mariadb(config: Config, user: str, password: str, database: str | None,
             autocommit: bool) -> pymysql.connections.Connection:
    cfg = config.mariadb
    return pymysql.connect(host=cfg.host, port=cfg.port, user=user, password=password, database=database,
                           autocommit=autocommit)


def mariadb(config: Config, database: str, *, autocommit: bool = True) -> pymysql.connections.Connection:
    """The jobs' account's connection to one of the configured MariaDB databases."""
    return _mariadb(config, config.mariadb.user, config.mariadb.password, database, autocommit)


def mariadb_source(config: Config, *, autocommit: bool = True) -> pymysql.connections.Connection:
    """The app's connection to the source database (the mock writes it, the tests read it)."""
    cfg = config.mariadb
    return _mariadb(config, cfg.source_user, cfg.source_password, cfg.source_database, autocommit)


def mariadb_admin(config: Config) -> pymysql.connections.Connection:
    """The administrator's connection (schema changes only), to no database in particular."""
    return _mariadb(config, config.mariadb.admin_user, config.mariadb.admin_password, None, True)


def phoenix(config: Config, *, autocommit: bool = True):
    """A Phoenix connection through the Query Server (autocommit by default, as the jobs' tables
    need; without it, the writes since the last commit go in one batch)."""
    return phoenixdb.connect(config.phoenix.url, autocommit=autocommit)


def elasticsearch(config: Config) -> Elasticsearch:
    return Elasticsearch(config.elasticsearch.url)


def redis(config: Config) -> redis_client.Redis:
    cfg = config.redis
    return redis_client.Redis(host=cfg.host, port=cfg.port, password=cfg.password or None, decode_responses=True)
