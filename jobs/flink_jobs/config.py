"""What a job needs to run: its topics, business time, sink addresses, state and parallelism.

Values come, later layers winning, from:
  1. the defaults below (the local stack's addresses and names),
  2. a TOML file (``--config FILE`` or ``GMALL_RT_CONFIG``),
  3. environment variables ``GMALL_<SECTION>_<KEY>``, e.g. ``GMALL_KAFKA_PORT=19092`` or
     ``GMALL_MARIADB_PASSWORD`` (how a Kubernetes Secret reaches a job).

How the local stack runs (heaps, daemon ports, the service user, its generated passwords) is the
tooling's part of the configuration (``gmall_rt.config``): it extends these sections with its own
keys, reads the same file and variables, and passes its object, a :class:`Config` too, to the jobs.
Only :func:`load` reads the environment; everything else receives the resulting object.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, TypeVar

ENV_PREFIX = "GMALL_"
CONFIG_FILE_ENV = "GMALL_RT_CONFIG"


# the Kafka connector's scan.startup.mode and scan.bounded.mode values the jobs take
STARTUP_MODES = ("earliest-offset", "latest-offset", "group-offsets", "timestamp")
BOUNDED_MODES = ("unbounded", "latest-offset")


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class KafkaConfig:
    host: str = "127.0.0.1"
    port: int = 9092
    # where a job without a checkpoint or savepoint to restore starts reading: earliest-offset
    # recomputes everything the topics hold; group-offsets resumes from the last committed offsets
    startup_mode: str = "earliest-offset"
    # with startup_mode "timestamp": the epoch milliseconds to start from, in every partition
    # (gmall-rt jobs submit --from)
    startup_timestamp_ms: int = 0
    # where the job's sources stop: "unbounded" runs on; "latest-offset" stops at the end of what
    # the topics held when the job started, and the job finishes (gmall-rt backfill)
    bounded_mode: str = "unbounded"
    # partitions of every topic the jobs read; their parallelism follows it by default
    partitions: int = 2
    # the largest dead letter the jobs write, and the dead-letter topic takes (max.message.bytes):
    # a record of the broker's default 1 MiB can grow sixfold as JSON text
    dead_letter_max_bytes: int = 8_388_608

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
class RedisConfig:
    host: str = "127.0.0.1"
    port: int = 6379
    password: str = ""
    # the user dimension is the hashes <prefix><id>: the user-dim job writes them, the sale-detail
    # job's look-up reads them
    user_key_prefix: str = "user:"


@dataclass(frozen=True)
class ElasticsearchConfig:
    host: str = "127.0.0.1"
    port: int = 9200
    # families of daily indices <name>-<yyyy-MM-dd>, each behind the alias <name>, from the index
    # template <name> (gmall_rt/schema/elasticsearch)
    coupon_alert_index: str = "gmall_coupon_alert"
    sale_detail_index: str = "gmall_sale_detail"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class HBaseConfig:
    zookeeper_host: str = "127.0.0.1"
    zookeeper_port: int = 2181
    # the tables the DAU and GMV jobs write, in Phoenix's layout (gmall_rt/schema/phoenix): upper
    # case, as Phoenix names an unquoted table, so HBase and Phoenix name the same table
    dau_table: str = "GMALL_DAU"
    order_info_table: str = "GMALL_ORDER_INFO"

    @property
    def zookeeper_quorum(self) -> str:
        return f"{self.zookeeper_host}:{self.zookeeper_port}"


@dataclass(frozen=True)
class FlinkConfig:
    # the session cluster's REST endpoint, where a "session" deployment submits
    host: str = "127.0.0.1"
    rest_port: int = 8081
    checkpoint_interval_ms: int = 10_000
    # where the jobs keep their checkpoints; empty inside an application cluster, whose own
    # configuration decides (the tooling fills in the local stack's directory)
    checkpoint_dir: str = ""
    # the Flink home (conf/ and lib/) a job's client builds and submits the job with: the
    # connector jars must be in its lib/. Empty: PyFlink's own, as inside an application cluster
    # (the tooling fills in the local stack's)
    client_home: str = ""
    # where a job keeps its state: "hashmap" (on the heap, the fastest, while the state fits in the
    # TaskManagers' memory: the local stack) or "rocksdb" (on disk, checkpointed incrementally: the
    # production overlay)
    state_backend: str = "hashmap"
    # subtasks of every operator of every job, sinks included; 0: one per partition of the topics
    # (kafka.partitions), so each source subtask reads one partition
    parallelism: int = 0
    # how a job is run: "session" submits it to a session cluster (rest host and port above);
    # "embedded" runs it in this process; "application" is inside an application cluster
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
class JobsConfig:
    # every job's name begins with it: its Flink pipeline name <prefix>-<job>, which is also its
    # Kafka consumer groups' and transactional ids' prefix, so jobs of two environments (or a test
    # run's) on one Kafka and one Flink cluster neither share offsets nor fence each other's
    # transactions
    name_prefix: str = "gmall"
    # how long a job keeps the state of a key it has not seen since (0: for ever). DAU keys are
    # (day, device) and never change once the day is over; orders can change at any time.
    dau_state_ttl_h: int = 48
    gmv_state_ttl_h: int = 0
    sale_detail_state_ttl_h: int = 0


@dataclass(frozen=True)
class Config:
    kafka: KafkaConfig = field(default_factory=KafkaConfig)
    mariadb: MariaDBConfig = field(default_factory=MariaDBConfig)
    redis: RedisConfig = field(default_factory=RedisConfig)
    elasticsearch: ElasticsearchConfig = field(default_factory=ElasticsearchConfig)
    hbase: HBaseConfig = field(default_factory=HBaseConfig)
    flink: FlinkConfig = field(default_factory=FlinkConfig)
    topics: TopicsConfig = field(default_factory=TopicsConfig)
    time: TimeConfig = field(default_factory=TimeConfig)
    jobs: JobsConfig = field(default_factory=JobsConfig)

    @property
    def parallelism(self) -> int:
        """The parallelism of every job: ``flink.parallelism``, or one subtask per partition."""
        return self.flink.parallelism or self.kafka.partitions


AnyConfig = TypeVar("AnyConfig", bound=Config)


def _coerce(section: str, key: str, raw: Any, target_type: type) -> Any:
    if target_type is int:
        if isinstance(raw, bool):
            raise ConfigError(f"{section}.{key}: expected a whole number, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{section}.{key}: expected a whole number, got {raw!r}") from None
    return str(raw)


def apply_layer(config: AnyConfig, layer: Mapping[str, Mapping[str, Any]], origin: str) -> AnyConfig:
    """``config`` with the values of one layer (a file's tables, or the environment's) applied."""
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


def read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist; pass an existing file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML ({exc}); fix the file") from None


def environment_layer(config: Config, environ: Mapping[str, str]) -> dict:
    """The ``GMALL_<SECTION>_<KEY>`` variables that name a key of ``config``."""
    layer: dict[str, dict[str, str]] = {}
    for section in dataclasses.fields(config):
        for key in dataclasses.fields(getattr(config, section.name)):
            name = f"{ENV_PREFIX}{section.name}_{key.name}".upper()
            if name in environ:
                layer.setdefault(section.name, {})[key.name] = environ[name]
    return layer


def config_file(config_path: str | None, environ: Mapping[str, str]) -> Path | None:
    path = config_path or environ.get(CONFIG_FILE_ENV)
    return Path(path).expanduser() if path else None


def load(config_path: str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """A job's configuration from defaults, the config file and the environment."""
    environ = os.environ if environ is None else environ
    config = Config()
    path = config_file(config_path, environ)
    if path:
        config = apply_layer(config, read_toml(path), str(path))
    return validate(apply_layer(config, environment_layer(config, environ), "environment"))


# a table name Phoenix keeps as it is written: unquoted, so upper case
_PHOENIX_TABLE = re.compile(r"[A-Z][A-Z0-9_]*")
# an index family: a name Elasticsearch takes (lower case), without '-', so that the daily indices
# <name>-* of two families never match each other's template
_INDEX_FAMILY = re.compile(r"[a-z0-9][a-z0-9_]*")
# a Flink pipeline name, Kafka consumer group and transactional id prefix alike
_NAME_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def validate(config: AnyConfig) -> AnyConfig:
    """The rules between keys that no single key's type says, and the forms names must have."""
    if config.kafka.partitions < 1:
        raise ConfigError(f"kafka.partitions: expected at least 1, got {config.kafka.partitions}")
    if config.kafka.startup_mode not in STARTUP_MODES:
        raise ConfigError(f"kafka.startup_mode: {config.kafka.startup_mode!r} is not one of {', '.join(STARTUP_MODES)}")
    if config.kafka.startup_mode == "timestamp" and config.kafka.startup_timestamp_ms <= 0:
        raise ConfigError("kafka.startup_mode is 'timestamp': set kafka.startup_timestamp_ms to the epoch milliseconds "
                          "to start from")
    if config.kafka.bounded_mode not in BOUNDED_MODES:
        raise ConfigError(f"kafka.bounded_mode: {config.kafka.bounded_mode!r} is not one of {', '.join(BOUNDED_MODES)}")
    if config.flink.parallelism < 0:
        raise ConfigError(f"flink.parallelism: expected 0 (one per partition) or more, got {config.flink.parallelism}")
    if not 0 < config.time.max_future_s < config.time.allowed_lateness_s:
        raise ConfigError(
            f"time.max_future_s ({config.time.max_future_s}) must be above 0 and below time.allowed_lateness_s "
            f"({config.time.allowed_lateness_s}): a log early by more than the allowed lateness would make the "
            "logs of correct clocks late")
    for key in ("dau_table", "order_info_table"):
        name = getattr(config.hbase, key)
        if not _PHOENIX_TABLE.fullmatch(name):
            raise ConfigError(f"hbase.{key}: {name!r} is not an upper-case name (letters, digits, _): Phoenix "
                              "upper-cases an unquoted name, so only such a name is the same table in HBase and Phoenix")
    families = (config.elasticsearch.coupon_alert_index, config.elasticsearch.sale_detail_index)
    for key, name in zip(("coupon_alert_index", "sale_detail_index"), families):
        if not _INDEX_FAMILY.fullmatch(name):
            raise ConfigError(f"elasticsearch.{key}: {name!r} is not lower-case letters, digits and _ (no '-': the "
                              "daily indices are <name>-<yyyy-MM-dd>)")
    if families[0] == families[1]:
        raise ConfigError(f"elasticsearch.coupon_alert_index and sale_detail_index are both {families[0]!r}; "
                          "give each family its own name")
    if not _NAME_PREFIX.fullmatch(config.jobs.name_prefix):
        raise ConfigError(f"jobs.name_prefix: {config.jobs.name_prefix!r} is not letters, digits, '_' and '-', "
                          "beginning with a letter or digit")
    if not config.redis.user_key_prefix:
        raise ConfigError("redis.user_key_prefix is empty: the user hashes need a prefix of their own, e.g. 'user:'")
    return config
