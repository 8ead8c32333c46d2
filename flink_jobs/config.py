"""The one configuration object of gmall-realtime.

Values come, later layers winning, from:
  1. the defaults below (the local stack's ports and names),
  2. a TOML file (``--config FILE`` or ``GMALL_RT_CONFIG``),
  3. ``<stack.state_dir>/credentials.toml``, written by ``gmall-rt stack up`` with passwords it
     generated for the local services (so none is ever kept in the repository),
  4. environment variables ``GMALL_<SECTION>_<KEY>``, e.g. ``GMALL_KAFKA_PORT=19092`` or
     ``GMALL_MARIADB_PASSWORD`` (how a Kubernetes Secret reaches a job).

Only :func:`load` reads the environment; everything else receives the resulting :class:`Config`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ENV_PREFIX = "GMALL_"
CONFIG_FILE_ENV = "GMALL_RT_CONFIG"
CREDENTIALS_FILE = "credentials.toml"


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message says which and how to fix it."""


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
class KafkaConfig:
    host: str = "127.0.0.1"
    port: int = 9092
    controller_port: int = 9093
    heap: str = "512m"
    # where a job without a checkpoint or savepoint to restore starts reading: earliest-offset
    # recomputes everything the topics hold; group-offsets resumes from the last committed offsets
    startup_mode: str = "earliest-offset"
    # partitions of every topic the stack creates; the jobs' parallelism follows it by default
    partitions: int = 2

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class MariaDBConfig:
    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "gmall"
    password: str = ""
    source_database: str = "gmall"
    report_database: str = "gmall_report"


@dataclass(frozen=True)
class CanalConfig:
    # in Kafka mode Canal opens no port of its own: it reads the binlog and produces to Kafka
    user: str = "canal"
    password: str = ""
    destination: str = "gmall"
    slave_id: int = 1234
    heap: str = "256m"


@dataclass(frozen=True)
class RedisConfig:
    host: str = "127.0.0.1"
    port: int = 6379
    password: str = ""


@dataclass(frozen=True)
class ElasticsearchConfig:
    host: str = "127.0.0.1"
    port: int = 9200
    transport_port: int = 9300
    heap: str = "512m"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class HBaseConfig:
    zookeeper_host: str = "127.0.0.1"
    zookeeper_port: int = 2181
    master_port: int = 16000
    master_info_port: int = 16010
    regionserver_port: int = 16020
    regionserver_info_port: int = 16030
    heap: str = "1g"

    @property
    def zookeeper_quorum(self) -> str:
        return f"{self.zookeeper_host}:{self.zookeeper_port}"


@dataclass(frozen=True)
class PhoenixConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    heap: str = "512m"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"


@dataclass(frozen=True)
class FlinkConfig:
    host: str = "127.0.0.1"
    rest_port: int = 8081
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
    checkpoint_interval_ms: int = 10_000
    checkpoint_dir: str = ""  # empty: <stack.state_dir>/flink/checkpoints
    state_backend: str = "rocksdb"
    # subtasks of every operator of every job, sinks included; 0: one per partition of the topics
    # (kafka.partitions), so each source subtask reads one partition
    parallelism: int = 0
    # how a job is run: "session" submits it to the local stack's cluster (rest host and port
    # above); "embedded" runs it in this process; "application" is inside an application cluster
    # (Kubernetes), whose own configuration decides where it runs and keeps checkpoints
    deployment: str = "session"

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.rest_port}"


@dataclass(frozen=True)
class TopicsConfig:
    start: str = "gmall_start"
    event: str = "gmall_event"
    order_info: str = "gmall_order_info"
    order_detail: str = "gmall_order_detail"
    user_info: str = "gmall_user_info"
    dead_letter: str = "gmall_dlq"
    # the sale-detail job's documents on their way to Elasticsearch (sql/ddl/flink/sale_detail_changes.sql)
    sale_detail_changes: str = "gmall_sale_detail_changes"
    # where Canal puts what no table route matches (it filters to the captured tables, so rarely used)
    canal_unrouted: str = "gmall_canal_unrouted"


@dataclass(frozen=True)
class TimeConfig:
    zone: str = "Asia/Shanghai"
    allowed_lateness_s: int = 300
    # a log whose ts is further ahead of its Kafka record's timestamp than this comes from a device
    # with a wrong clock: a dead letter that moves neither the lateness rule nor the watermark. Kept
    # below allowed_lateness_s, so a log that is early by up to this much cannot make the logs
    # sent on time by correct clocks late.
    max_future_s: int = 60


@dataclass(frozen=True)
class GrafanaConfig:
    # where `gmall-rt grafana push` sends the datasources and dashboards (--url wins), and the
    # service account token it authenticates with
    url: str = ""
    token: str = ""


@dataclass(frozen=True)
class JobsConfig:
    # how long a job keeps the state of a key it has not seen since (0: for ever). DAU keys are
    # (day, device) and never change once the day is over; orders can change at any time.
    dau_state_ttl_h: int = 48
    gmv_state_ttl_h: int = 0
    sale_detail_state_ttl_h: int = 0


@dataclass(frozen=True)
class Config:
    stack: StackConfig = field(default_factory=StackConfig)
    kafka: KafkaConfig = field(default_factory=KafkaConfig)
    mariadb: MariaDBConfig = field(default_factory=MariaDBConfig)
    canal: CanalConfig = field(default_factory=CanalConfig)
    redis: RedisConfig = field(default_factory=RedisConfig)
    elasticsearch: ElasticsearchConfig = field(default_factory=ElasticsearchConfig)
    hbase: HBaseConfig = field(default_factory=HBaseConfig)
    phoenix: PhoenixConfig = field(default_factory=PhoenixConfig)
    flink: FlinkConfig = field(default_factory=FlinkConfig)
    topics: TopicsConfig = field(default_factory=TopicsConfig)
    time: TimeConfig = field(default_factory=TimeConfig)
    jobs: JobsConfig = field(default_factory=JobsConfig)
    grafana: GrafanaConfig = field(default_factory=GrafanaConfig)

    @property
    def credentials_path(self) -> Path:
        return self.stack.state_path / CREDENTIALS_FILE

    @property
    def parallelism(self) -> int:
        """The parallelism of every job: ``flink.parallelism``, or one subtask per partition."""
        return self.flink.parallelism or self.kafka.partitions


def _coerce(section: str, key: str, raw: Any, target_type: type) -> Any:
    if target_type is int:
        if isinstance(raw, bool):
            raise ConfigError(f"{section}.{key}: expected a whole number, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{section}.{key}: expected a whole number, got {raw!r}") from None
    return str(raw)


def _apply(config: Config, layer: Mapping[str, Mapping[str, Any]], origin: str) -> Config:
    sections = {}
    for section_name, values in layer.items():
        if not hasattr(config, section_name) or not isinstance(values, Mapping):
            raise ConfigError(f"{origin}: unknown section [{section_name}]")
        section = getattr(config, section_name)
        types = {f.name: f.type for f in dataclasses.fields(section)}
        changes = {}
        for key, raw in values.items():
            if key not in types:
                raise ConfigError(f"{origin}: unknown key {section_name}.{key}")
            target = int if types[key] in (int, "int") else str
            changes[key] = _coerce(section_name, key, raw, target)
        sections[section_name] = dataclasses.replace(section, **changes)
    return dataclasses.replace(config, **sections)


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist; pass an existing file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML ({exc}); fix the file") from None


def _environment_layer(config: Config, environ: Mapping[str, str]) -> dict:
    layer: dict[str, dict[str, str]] = {}
    for section in dataclasses.fields(config):
        for key in dataclasses.fields(getattr(config, section.name)):
            name = f"{ENV_PREFIX}{section.name}_{key.name}".upper()
            if name in environ:
                layer.setdefault(section.name, {})[key.name] = environ[name]
    return layer


def load(config_file: str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Build the configuration from defaults, the config file, stack credentials and environment."""
    environ = os.environ if environ is None else environ
    config = Config()
    path = config_file or environ.get(CONFIG_FILE_ENV)
    if path:
        config = _apply(config, _read_toml(Path(path).expanduser()), str(path))
    env_layer = _environment_layer(config, environ)
    # the state dir decides where the credentials file is, so settle it before reading that file
    config = _apply(config, {"stack": env_layer.get("stack", {})}, "environment")
    if config.credentials_path.exists():
        config = _apply(config, _read_toml(config.credentials_path), str(config.credentials_path))
    return validate(_apply(config, env_layer, "environment"))


def validate(config: Config) -> Config:
    """The rules between keys that no single key's type says."""
    if config.kafka.partitions < 1:
        raise ConfigError(f"kafka.partitions: expected at least 1, got {config.kafka.partitions}")
    if config.flink.parallelism < 0:
        raise ConfigError(f"flink.parallelism: expected 0 (one per partition) or more, got {config.flink.parallelism}")
    if config.flink.taskmanagers < 1:
        raise ConfigError(f"flink.taskmanagers: expected at least 1, got {config.flink.taskmanagers}")
    if not 0 < config.time.max_future_s < config.time.allowed_lateness_s:
        raise ConfigError(
            f"time.max_future_s ({config.time.max_future_s}) must be above 0 and below time.allowed_lateness_s "
            f"({config.time.allowed_lateness_s}): a log early by more than the allowed lateness would make the "
            "logs of correct clocks late")
    return config
