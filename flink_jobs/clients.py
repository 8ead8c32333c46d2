"""Connections to the configured services, as the project's tools and tests open them."""

from __future__ import annotations

import phoenixdb
import pymysql

from flink_jobs.config import Config


def mariadb(config: Config, database: str, *, autocommit: bool = True) -> pymysql.connections.Connection:
    """The application user's connection to one of the configured MariaDB databases."""
    cfg = config.mariadb
    return pymysql.connect(host=cfg.host, port=cfg.port, user=cfg.user, password=cfg.password,
                           database=database, autocommit=autocommit)


def phoenix(config: Config):
    """A Phoenix connection through the Query Server (autocommit, as the jobs' tables need)."""
    return phoenixdb.connect(config.phoenix.url, autocommit=True)
