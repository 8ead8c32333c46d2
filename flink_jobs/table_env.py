"""Table environments for the jobs and tests: the same SQL runs on the local session cluster, in a
Kubernetes application cluster, or in an in-process mini cluster on in-memory rows."""

from __future__ import annotations

import os

from pyflink.table import EnvironmentSettings, TableEnvironment

from flink_jobs.config import Config
from flink_jobs.stack.flink import PYFLINK_HOME, flink_home, prepare_flink_home


def use_local_flink_home(config: Config) -> None:
    """Point PyFlink's Java gateway at the local stack's Flink home, so the client has the same
    connector jars and configuration as the cluster. PyFlink reads these variables when it starts
    its gateway, once per Python process (without FLINK_HOME it would reset FLINK_LIB_DIR)."""
    home = flink_home(config)
    if not (home / "conf" / "config.yaml").exists():
        prepare_flink_home(config)
    os.environ["FLINK_HOME"] = str(PYFLINK_HOME)
    os.environ["FLINK_CONF_DIR"] = str(home / "conf")
    os.environ["FLINK_LIB_DIR"] = str(home / "lib")


def create_table_env(config: Config, *, streaming: bool = True, remote: bool = False,
                     local_home: bool = True) -> TableEnvironment:
    """remote=True submits to the session cluster; otherwise the job runs in an in-process mini
    cluster. local_home=False leaves the Flink home and execution target to the surrounding
    cluster, as inside a Kubernetes application cluster."""
    if local_home:
        use_local_flink_home(config)
    settings = EnvironmentSettings.in_streaming_mode() if streaming else EnvironmentSettings.in_batch_mode()
    t_env = TableEnvironment.create(settings)
    conf = t_env.get_config()
    conf.set("table.local-time-zone", config.time.zone)
    if remote:
        conf.set("execution.target", "remote")
        conf.set("rest.address", config.flink.host)
        conf.set("rest.port", str(config.flink.rest_port))
        # PyFlink created the environment as a local one and so started a "loopback" server in
        # this process for the Python functions' workers, and put its address in the
        # configuration. Shipped with the job, it would make the cluster's workers connect back to
        # this client: once the client exits, no Python operator could start again after a restart.
        # Without it the cluster starts its own workers (python.executable).
        conf.get_configuration().remove_config("python.loopback-server.address")
    elif local_home:
        conf.set("execution.target", "local")
    return t_env
