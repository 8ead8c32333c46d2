"""A Flink 1.20 session cluster (one JobManager, ``flink.taskmanagers`` TaskManagers, each its own
process) run from the apache-flink wheel,
with the project's connector jars on its classpath and its Python environment for PyFlink UDFs.
Each process serves its metrics to Prometheus on loopback (``flink.*_metrics_port``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import urllib.request
from pathlib import Path

from flink_jobs.table_env import PYFLINK_HOME
from gmall_rt.config import Config
from gmall_rt.stack.service import Service, StackError


def _shipped_java_options() -> str:
    """The --add-opens/--add-exports Flink needs on Java 17, as its own config.yaml lists them."""
    text = (PYFLINK_HOME / "conf" / "config.yaml").read_text()
    match = re.search(r"^\s+all:\s*(--add-.*)$", text, re.MULTILINE)
    if not match:
        raise StackError(f"flink: no Java options found in {PYFLINK_HOME / 'conf' / 'config.yaml'}")
    return match.group(1).strip()


# the cluster's Prometheus reporter (java/metrics-reporter): Flink's own, bound to one address
METRICS_REPORTER_FACTORY = "com.gmall.realtime.metrics.BoundPrometheusReporterFactory"
# the plugins of the cluster (each a folder of jars with its own class loader), from the artifacts
PLUGINS = ("metrics-prometheus",)


def _link_jars(directory: Path, wanted: dict[str, Path]) -> None:
    """``directory`` holds a symlink to each of ``wanted`` (by file name) and no other jar."""
    directory.mkdir(parents=True, exist_ok=True)
    for link in directory.glob("*.jar"):
        if link.name not in wanted or link.readlink() != wanted[link.name]:
            link.unlink()
    for name, jar in wanted.items():
        if not (directory / name).is_symlink():
            (directory / name).symlink_to(jar)


def metrics_reporter_settings(config: Config, port: int) -> dict[str, object]:
    """The settings of one process's Prometheus reporter: on ``flink.host`` at ``port``, every
    metric variable a label with its value as it is (Flink's default would turn ``gmall-dau`` into
    ``gmall_dau`` and a dead letter's reason ``missing field mid`` into ``missing_field_mid``).
    Given to each process on its command line, not in conf/config.yaml, which the job clients and
    their mini clusters read too: none of them is to start a reporter on the cluster's ports."""
    return {
        "metrics.reporter.prom.factory.class": METRICS_REPORTER_FACTORY,
        "metrics.reporter.prom.host": config.flink.host,
        "metrics.reporter.prom.port": port,
        "metrics.reporter.prom.filterLabelValueCharacters": "false",
    }


def prepare_flink_home(config: Config) -> Path:
    """Write the Flink home the cluster and every job client share: conf/ from the configuration,
    lib/ with Flink's own jars and the connector jars, plugins/ with the metrics reporter. Safe to
    run again."""
    home = config.flink_home
    flink = config.flink
    for sub in ("conf", "log", "lib", "plugins", "checkpoints", "savepoints"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    lib_dir, conf_dir = home / "lib", home / "conf"
    connectors = config.stack.artifacts_path / "flink-connectors"
    # flink-python (from the wheel's opt/): what a PyFlink client and any Python function run on
    _link_jars(lib_dir, {jar.name: jar for jar in [*(PYFLINK_HOME / "lib").glob("*.jar"),
                                                   *(PYFLINK_HOME / "opt").glob("flink-python-*.jar"),
                                                   *connectors.glob("*.jar")]})
    # the pinned plugins only (java/metrics-reporter), not the wheel's plugins/ with every reporter
    for plugin in PLUGINS:
        jars = (config.stack.artifacts_path / "flink-plugins" / plugin).glob("*.jar")
        _link_jars(home / "plugins" / plugin, {jar.name: jar for jar in jars})
    for name in ("log4j-console.properties", "log4j.properties", "log4j-cli.properties",
                 "logback-console.xml", "logback.xml"):
        shutil.copy(PYFLINK_HOME / "conf" / name, conf_dir / name)
    checkpoint_dir = flink.checkpoint_dir or (home / "checkpoints").as_uri()
    settings = {
        "env.java.opts.all": _shipped_java_options(),
        "jobmanager.rpc.address": flink.host,
        "jobmanager.rpc.port": flink.jobmanager_rpc_port,
        "jobmanager.bind-host": flink.host,
        "jobmanager.memory.process.size": flink.jobmanager_memory,
        "taskmanager.host": flink.host,
        "taskmanager.bind-host": flink.host,
        "taskmanager.numberOfTaskSlots": flink.taskmanager_slots,
        "taskmanager.memory.process.size": flink.taskmanager_memory,
        # every job's Kafka clients and the Elasticsearch and HBase clients allocate direct buffers
        "taskmanager.memory.task.off-heap.size": "256m",
        "rest.address": flink.host,
        "rest.bind-address": flink.host,
        "rest.port": flink.rest_port,
        # the REST API's metrics (web UI, benchmarks' read offsets) a second old at most, not ten
        "metrics.fetcher.update-interval": 1000,
        "parallelism.default": config.parallelism,
        # a TaskManager that is gone is noticed within seconds, and its jobs restart from their
        # latest checkpoint on the slots left and those of its replacement
        "heartbeat.interval": 2000,
        "heartbeat.timeout": 15000,
        # while a lost TaskManager's slots are missing, a restart is tried every 2 s, never given up
        # (the default backs off up to a minute between tries)
        "restart-strategy.type": "fixed-delay",
        "restart-strategy.fixed-delay.attempts": 2147483647,
        "restart-strategy.fixed-delay.delay": "2 s",
        "state.backend.type": flink.state_backend,
        "state.checkpoints.dir": checkpoint_dir,
        "state.savepoints.dir": (home / "savepoints").as_uri(),
        "execution.checkpointing.interval": f"{flink.checkpoint_interval_ms}ms",
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "table.local-time-zone": config.time.zone,
        "python.executable": sys.executable,
        "python.client.executable": sys.executable,
    }
    (conf_dir / "config.yaml").write_text(
        "".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items())
    )
    return home


class _FlinkProcess(Service):
    artifacts = ("flink-connectors", "flink-plugins")
    script = ""

    def __init__(self, config):
        super().__init__(config)
        # both processes share one Flink home: conf/, lib/ and the logs
        self.home = config.flink_home

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def lib_dir(self) -> Path:
        return self.home / "lib"

    def metrics_port(self) -> int:
        raise NotImplementedError

    def command(self) -> list[str]:
        # "-D", "key=value" pairs: jobmanager.sh takes a first argument of another form for a host
        dynamic = [arg for key, value in metrics_reporter_settings(self.config, self.metrics_port()).items()
                   for arg in ("-D", f"{key}={value}")]
        return ["bash", str(PYFLINK_HOME / "bin" / self.script), "start-foreground", *dynamic]

    def environment(self) -> dict[str, str]:
        return {
            "FLINK_CONF_DIR": str(self.conf_dir),
            "FLINK_LIB_DIR": str(self.lib_dir),
            "FLINK_PLUGINS_DIR": str(self.home / "plugins"),
            "FLINK_LOG_DIR": str(self.home / "log"),
            "FLINK_PID_DIR": str(self.home),
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        }

    def prepare(self) -> None:
        prepare_flink_home(self.config)

    def _overview(self) -> dict:
        with urllib.request.urlopen(f"{self.config.flink.rest_url}/overview", timeout=3) as response:
            return json.load(response)


class FlinkJobManager(_FlinkProcess):
    name = "flink-jobmanager"
    script = "jobmanager.sh"

    def metrics_port(self) -> int:
        return self.config.flink.jobmanager_metrics_port

    def ports(self) -> dict[str, int]:
        return {"rest": self.config.flink.rest_port, "rpc": self.config.flink.jobmanager_rpc_port,
                "metrics": self.metrics_port()}

    def probe(self) -> str | None:
        try:
            self._overview()
        except (OSError, ValueError) as exc:
            return f"REST API not answering ({exc})"
        return None


class FlinkTaskManager(_FlinkProcess):
    """One of the cluster's TaskManagers, numbered from 1: its own RPC port (the configured one for
    the first, the next ports for the others) and a fixed resource id, so a TaskManager that
    supervisord starts again after a crash takes its predecessor's place at once."""

    script = "taskmanager.sh"
    depends_on = ("flink-jobmanager",)

    def __init__(self, config, number: int = 1):
        self.number = number
        self.name = f"flink-taskmanager-{number}"
        super().__init__(config)

    @classmethod
    def instances(cls, config) -> list["FlinkTaskManager"]:
        return [cls(config, number) for number in range(1, config.flink.taskmanagers + 1)]

    def metrics_port(self) -> int:
        return self.config.flink.taskmanager_metrics_ports()[self.number - 1]

    def ports(self) -> dict[str, int]:
        return {"rpc": self.config.flink.taskmanager_rpc_port + self.number - 1, "metrics": self.metrics_port()}

    def command(self) -> list[str]:
        return [*super().command(), f"-Dtaskmanager.rpc.port={self.ports()['rpc']}",
                f"-Dtaskmanager.resource-id={self.name}"]

    def environment(self) -> dict[str, str]:
        # the launcher names its log file by FLINK_IDENT_STRING and numbers it by the pid files in
        # FLINK_PID_DIR: each TaskManager its own of both, or they write and rotate one file
        pid_dir = self.home / self.name
        pid_dir.mkdir(parents=True, exist_ok=True)
        return {**super().environment(), "FLINK_PID_DIR": str(pid_dir), "FLINK_IDENT_STRING": self.name}

    def prepare(self) -> None:
        """The JobManager prepared the shared Flink home already."""

    def probe(self) -> str | None:
        try:
            with urllib.request.urlopen(f"{self.config.flink.rest_url}/taskmanagers", timeout=3) as response:
                registered = {tm["id"] for tm in json.load(response)["taskmanagers"]}
        except (OSError, ValueError, KeyError) as exc:
            return f"JobManager not answering ({exc})"
        return None if self.name in registered else "not registered with the JobManager"
