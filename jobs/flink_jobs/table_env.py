"""Table environments for the jobs: the same SQL runs on a session cluster, in a Kubernetes
application cluster, or in an in-process mini cluster on in-memory rows."""

from __future__ import annotations

import os
from pathlib import Path

import pyflink
from pyflink.table import EnvironmentSettings, TableEnvironment

from flink_jobs.config import Config

PYFLINK_HOME = Path(pyflink.__file__).resolve().parent
TARGETS = ("remote", "local")


def use_client_home(config: Config) -> None:
    """Point PyFlink's Java gateway at ``flink.client_home`` (its conf/ and lib/: the connector
    jars and the cluster's settings), so the client builds the job with what the cluster runs.
    PyFlink reads these variables when it starts its gateway, once per Python process (without
    FLINK_HOME it would reset FLINK_LIB_DIR)."""
    home = Path(config.flink.client_home)
    os.environ["FLINK_HOME"] = str(PYFLINK_HOME)
    os.environ["FLINK_CONF_DIR"] = str(home / "conf")
    os.environ["FLINK_LIB_DIR"] = str(home / "lib")


def create_table_env(config: Config, *, streaming: bool = True, target: str | None = None) -> TableEnvironment:
    """``target`` "remote" submits to the session cluster at flink.host:flink.rest_port, "local"
    runs the job in an in-process mini cluster, None leaves it to the surrounding cluster (an
    application cluster in Kubernetes)."""
    if target is not None and target not in TARGETS:
        raise ValueError(f"target {target!r} is not one of {', '.join(TARGETS)} or None")
    if config.flink.client_home:
        use_client_home(config)
    settings = EnvironmentSettings.in_streaming_mode() if streaming else EnvironmentSettings.in_batch_mode()
    t_env = TableEnvironment.create(settings)
    conf = t_env.get_config()
    conf.set("table.local-time-zone", config.time.zone)
    if target == "remote":
        conf.set("execution.target", "remote")
        conf.set("rest.address", config.flink.host)
        conf.set("rest.port", str(config.flink.rest_port))
        # PyFlink created the environment as a local one and so started a "loopback" server in
        # this process for the Python functions' workers, and put its address in the
        # configuration. Shipped with the job, it would make the cluster's workers connect back to
        # this client: once the client exits, no Python operator could start again after a restart.
        # Without it the cluster starts its own workers (python.executable).
        conf.get_configuration().remove_config("python.loopback-server.address")
    elif target == "local":
        conf.set("execution.target", "local")
    return t_env
