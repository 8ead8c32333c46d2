"""Connections to the configured services, as the project's tools and tests open them."""

from __future__ import annotations

import phoenixdb
import pymysql
import redis as redis_client
from elasticsearch import Elasticsearch

from gmall_rt.config import Config


def mariadb(config: Config, database: str, *, autocommit: bool = True) -> pymysql.connections.Connection:
    """The application user's connection to one of the configured MariaDB databases."""
    cfg = config.mariadb
    return pymysql.connect(host=cfg.host, port=cfg.port, user=cfg.user, password=cfg.password,
                           database=database, autocommit=autocommit)


def mariadb_source(config: Config, *, autocommit: bool = True) -> pymysql.connections.Connection:
    """The app's connection to the source database (the mock writes it, the tests read it)."""
    cfg = config.mariadb
    return pymysql.connect(host=cfg.host, port=cfg.port, user=cfg.source_user, password=cfg.source_password,
                           database=cfg.source_database, autocommit=autocommit)


def mariadb_admin(config: Config) -> pymysql.connections.Connection:
    """The administrator's connection (schema changes only), to no database in particular."""
    cfg = config.mariadb
    return pymysql.connect(host=cfg.host, port=cfg.port, user=cfg.admin_user, password=cfg.admin_password,
                           autocommit=True)


def phoenix(config: Config):
    """A Phoenix connection through the Query Server (autocommit, as the jobs' tables need)."""
    return phoenixdb.connect(config.phoenix.url, autocommit=True)


def elasticsearch(config: Config) -> Elasticsearch:
    return Elasticsearch(config.elasticsearch.url)


def redis(config: Config) -> redis_client.Redis:
    cfg = config.redis
    return redis_client.Redis(host=cfg.host, port=cfg.port, password=cfg.password or None, decode_responses=True)
