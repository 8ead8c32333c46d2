"""The tooling's configuration: the jobs' part (:mod:`flink_jobs.config`) and how the local stack
runs (heaps, daemon ports, the service user, the accounts it creates).

One TOML file and one set of ``GMALL_<SECTION>_<KEY>`` variables hold both parts: the stack's
keys sit in the same sections as the jobs' (``[kafka] heap`` beside ``[kafka] port``), so every
key that worked before still does. The layers, later ones winning:
  1. the defaults (the local stack's ports and names),
  2. the TOML file (``--config FILE`` or ``GMALL_RT_CONFIG``),
  3. ``<stack.state_dir>/credentials.toml``, written by ``gmall-rt stack up`` with passwords it
     generated for the local services (so none is ever kept in the repository),
  4. the environment.

A :class:`Config` is a :class:`flink_jobs.config.Config`, so the jobs take it as it is.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from flink_jobs import config as job_config
from flink_jobs.config import ConfigError

CREDENTIALS_FILE = "credentials.toml"


@dataclass(frozen=True)
class StackConfig:
    # empty: /var/lib/gmall-rt and /var/cache/gmall-rt/artifacts for root (so the unprivileged
    # service user can reach them), ~/.local/state/gmall-rt and ~/.cache/gmall-rt/artifacts otherwise
    state_dir: str = ""
    artifacts_dir: str = ""
    health_timeout_s: int = 240
    # services that refuse to run as root (Elasticsearch) run as this user when gmall-rt is root
    service_user: str = "gmall"

    @property
    def state_path(self) -> Path:
        if self.state_dir:
            return Path(self.state_dir).expanduser()
        return Path("/var/lib/gmall-rt") if os.geteuid() == 0 else Path("~/.local/state/gmall-rt").expanduser()

    @property
    def artifacts_path(self) -> Path:
        if self.artifacts_dir:
            return Path(self.artifacts_dir).expanduser()
        if os.geteuid() == 0:
            return Path("/var/cache/gmall-rt/artifacts")
        return Path("~/.cache/gmall-rt/artifacts").expanduser()


@dataclass(frozen=True)
class KafkaConfig(job_config.KafkaConfig):
    controller_port: int = 9093
    heap: str = "512m"


@dataclass(frozen=True)
class MariaDBConfig(job_config.MariaDBConfig):
    """The accounts beside the jobs' (user, password: rows of the report tables, and the users
    the sale-detail job looks up), each with only the rights its work needs."""

    # `gmall-rt schema apply`: creates and changes the report tables
    admin_user: str = "gmall_admin"
    admin_password: str = ""
    # Grafana's: reads the report tables
    reader_user: str = "gmall_reader"
    reader_password: str = ""
    # the app's: writes the source tables (the mock) and reads them (the SQL client's ad-hoc
    # tables, the tests' source of truth)
    source_user: str = "gmall_app"
    source_password: str = ""


@dataclass(frozen=True)
class CanalConfig:
    # in Kafka mode Canal opens no port of its own: it reads the binlog and produces to Kafka
    user: str = "canal"
    password: str = ""
    destination: str = "gmall"
    slave_id: int = 1234
    heap: str = "256m"
    # a second source database the stack keeps and Canal captures beside mariadb.source_database,
    # its tables published to topics of their own, so that a test run (testkit.isolation) writes
    # source tables and reads Canal topics apart from the app's; empty: none
    test_database: str = "gmall_e2e"
    test_order_info_topic: str = "gmall_e2e_order_info"
    test_order_detail_topic: str = "gmall_e2e_order_detail"
    test_user_info_topic: str = "gmall_e2e_user_info"

    def test_topics(self) -> dict[str, str]:
        """The test database's captured tables, each with its topic."""
        return {"order_info": self.test_order_info_topic, "order_detail": self.test_order_detail_topic,
                "user_info": self.test_user_info_topic}


@dataclass(frozen=True)
class ElasticsearchConfig(job_config.ElasticsearchConfig):
    transport_port: int = 9300
    heap: str = "512m"


@dataclass(frozen=True)
class HBaseConfig(job_config.HBaseConfig):
    master_port: int = 16000
    master_info_port: int = 16010
    regionserver_port: int = 16020
    regionserver_info_port: int = 16030
    heap: str = "2g"


@dataclass(frozen=True)
class PhoenixConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    heap: str = "512m"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"


@dataclass(frozen=True)
class FlinkConfig(job_config.FlinkConfig):
    jobmanager_rpc_port: int = 6123
    # the first TaskManager's RPC port; the others take the ports after it
    taskmanager_rpc_port: int = 6124
    # TaskManagers of the local cluster, each its own supervised process, and slots of each: one
    # TaskManager alone holds all five jobs at parallelism 2 and a test job, so the jobs of one
    # that died restart on the other at once instead of failing for want of slots until it is back
    taskmanagers: int = 2
    taskmanager_slots: int = 12
    jobmanager_memory: str = "1024m"
    taskmanager_memory: str = "4096m"
    # each process's Prometheus metrics (Flink's reporter, on flink.host): the JobManager's, and
    # the first TaskManager's with the others at the ports after it (9249 is Flink's default)
    jobmanager_metrics_port: int = 9249
    taskmanager_metrics_port: int = 9250

    def taskmanager_metrics_ports(self) -> list[int]:
        return [self.taskmanager_metrics_port + n for n in range(self.taskmanagers)]


@dataclass(frozen=True)
class PrometheusConfig:
    """The local stack's Prometheus: it scrapes the Flink cluster's processes and is the operations
    dashboard's datasource (grafana/provisioning/datasources, GMALL_PROMETHEUS_HOST and _PORT)."""

    host: str = "127.0.0.1"
    port: int = 9090
    scrape_interval_s: int = 5
    # how long it keeps what it scraped (its --storage.tsdb.retention.time)
    retention: str = "7d"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class GrafanaConfig:
    # where `gmall-rt grafana push` sends the datasources and dashboards (--url wins), and the
    # service account token it authenticates with
    url: str = ""
    token: str = ""


@dataclass(frozen=True)
class Config(job_config.Config):
    stack: StackConfig = field(default_factory=StackConfig)
    kafka: KafkaConfig = field(default_factory=KafkaConfig)
    mariadb: MariaDBConfig = field(default_factory=MariaDBConfig)
    canal: CanalConfig = field(default_factory=CanalConfig)
    elasticsearch: ElasticsearchConfig = field(default_factory=ElasticsearchConfig)
    hbase: HBaseConfig = field(default_factory=HBaseConfig)
    phoenix: PhoenixConfig = field(default_factory=PhoenixConfig)
    flink: FlinkConfig = field(default_factory=FlinkConfig)
    prometheus: PrometheusConfig = field(default_factory=PrometheusConfig)
    grafana: GrafanaConfig = field(default_factory=GrafanaConfig)

    @property
    def credentials_path(self) -> Path:
        return self.stack.state_path / CREDENTIALS_FILE

    @property
    def flink_home(self) -> Path:
        """The local cluster's Flink home: its conf/, lib/, logs and checkpoints."""
        return self.stack.state_path / "flink"


def load(config_path: str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Both parts of the configuration from defaults, the config file, stack credentials and
    environment. A job run on the local stack is built with the stack's Flink home and keeps its
    checkpoints there, unless ``flink.client_home`` and ``flink.checkpoint_dir`` say otherwise."""
    environ = os.environ if environ is None else environ
    config = Config()
    path = job_config.config_file(config_path, environ)
    if path:
        config = job_config.apply_layer(config, job_config.read_toml(path), str(path))
    env_layer = job_config.environment_layer(config, environ)
    # the state dir decides where the credentials file is, so settle it before reading that file
    config = job_config.apply_layer(config, {"stack": env_layer.get("stack", {})}, "environment")
    if config.credentials_path.exists():
        config = job_config.apply_layer(config, job_config.read_toml(config.credentials_path),
                                        str(config.credentials_path))
    config = validate(job_config.apply_layer(config, env_layer, "environment"))
    if config.flink.deployment != "application":
        config = replace(config, flink=replace(
            config.flink,
            checkpoint_dir=config.flink.checkpoint_dir or (config.flink_home / "checkpoints").as_uri(),
            client_home=config.flink.client_home or str(config.flink_home)))
    return config


# a database name as Canal matches it (it lower-cases the names it filters and routes)
_DATABASE = re.compile(r"[a-z0-9_]+")


def validate(config: Config) -> Config:
    if config.flink.taskmanagers < 1:
        raise ConfigError(f"flink.taskmanagers: expected at least 1, got {config.flink.taskmanagers}")
    if config.flink.jobmanager_metrics_port in config.flink.taskmanager_metrics_ports():
        ports = config.flink.taskmanager_metrics_ports()
        raise ConfigError(f"flink.jobmanager_metrics_port ({config.flink.jobmanager_metrics_port}) is one of the "
                          f"TaskManagers' metrics ports ({ports[0]} to {ports[-1]}: flink.taskmanager_metrics_port "
                          "and the ports after it, one per TaskManager); give it another")
    if config.prometheus.scrape_interval_s < 1:
        raise ConfigError("prometheus.scrape_interval_s: expected at least 1, "
                          f"got {config.prometheus.scrape_interval_s}")
    canal = config.canal
    if canal.test_database:
        if not _DATABASE.fullmatch(canal.test_database) or canal.test_database == config.mariadb.source_database:
            raise ConfigError(f"canal.test_database: {canal.test_database!r} must be lower-case letters, digits and _, "
                              f"and not the source database {config.mariadb.source_database!r} (empty: none)")
        topics = {getattr(config.topics, f.name) for f in dataclasses.fields(config.topics)}
        test_topics = list(canal.test_topics().values())
        if len(set(test_topics)) < len(test_topics) or topics & set(test_topics):
            raise ConfigError(f"canal.test_*_topic: {', '.join(test_topics)} must differ from each other and from "
                              "every topic of [topics], so the test database's changes stay apart")
    return job_config.validate(config)
