"""Kafka 3.9 as one combined broker + controller in KRaft mode (no ZooKeeper)."""

from __future__ import annotations

import base64
import subprocess
import uuid

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, NewPartitions, NewTopic,
                                  ResourceType)

from gmall_rt.config import Config
from gmall_rt.stack.service import Service, StackError, classpath, java_executable

LOG4J = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
"""


class Kafka(Service):
    name = "kafka"
    artifacts = ("kafka",)

    def ports(self) -> dict[str, int]:
        return {"broker": self.config.kafka.port, "controller": self.config.kafka.controller_port}

    @property
    def data_dir(self):
        return self.home / "data"

    def _java(self, main_class: str, *args: str, heap: str = "256m") -> list[str]:
        return [
            java_executable(),
            f"-Xms{heap}",
            f"-Xmx{heap}",
            f"-Dlog4j.configuration=file:{self.home / 'log4j.properties'}",
            "-cp",
            classpath(self.artifact_path("kafka")),
            main_class,
            *args,
        ]

    def command(self) -> list[str]:
        return self._java("kafka.Kafka", str(self.home / "server.properties"), heap=self.config.kafka.heap)

    def prepare(self) -> None:
        super().prepare()
        kafka = self.config.kafka
        properties = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{kafka.host}:{kafka.controller_port}",
            "listeners": f"PLAINTEXT://{kafka.host}:{kafka.port},CONTROLLER://{kafka.host}:{kafka.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{kafka.host}:{kafka.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir),
            "num.partitions": str(kafka.partitions),
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "auto.create.topics.enable": "true",
            # Flink's exactly-once Kafka sink keeps transactions open across a checkpoint
            "transaction.max.timeout.ms": "900000",
            "group.initial.rebalance.delay.ms": "0",
        }
        (self.home / "server.properties").write_text(
            "".join(f"{key}={value}\n" for key, value in properties.items())
        )
        (self.home / "log4j.properties").write_text(LOG4J)
        if not (self.data_dir / "meta.properties").exists():
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
            result = subprocess.run(
                self._java(
                    "kafka.tools.StorageTool", "format", "-t", cluster_id,
                    "-c", str(self.home / "server.properties"),
                ),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise StackError(
                    f"kafka: formatting the KRaft storage in {self.data_dir} failed: "
                    f"{(result.stderr or result.stdout).strip().splitlines()[-1:]}"
                )

    def admin(self) -> AdminClient:
        # log_level 0: a probe of a broker that is still starting is expected to fail quietly
        return AdminClient({"bootstrap.servers": self.config.kafka.bootstrap_servers, "log_level": 0})

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset of each partition of a topic: where a reader starting now would begin."""
        consumer = Consumer({"bootstrap.servers": self.config.kafka.bootstrap_servers, "group.id": "gmall-rt-offsets"})
        try:
            partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
            return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
        finally:
            consumer.close()

    def probe(self) -> str | None:
        try:
            metadata = self.admin().list_topics(timeout=2)
        except Exception as exc:  # confluent_kafka raises KafkaException with varying codes
            return f"broker does not answer ({exc})"
        return None if metadata.brokers else "no broker registered yet"

    def after_healthy(self) -> None:
        """Every topic of the configuration with ``kafka.partitions`` partitions: missing ones are
        created, ones with fewer partitions (made by an earlier configuration) are widened."""
        topics = self.config.topics
        wanted = [topics.start, topics.event, topics.order_info, topics.order_detail,
                  topics.user_info, topics.dead_letter, topics.canal_unrouted]
        if self.config.canal.test_database:
            wanted += self.config.canal.test_topics().values()
        ensure_topics(self.admin(), wanted, self.config.kafka.partitions,
                      {topics.dead_letter: dead_letter_topic_config(self.config)})


def dead_letter_topic_config(config: Config) -> dict[str, str]:
    """The dead-letter topic takes a dead letter as big as the jobs may write."""
    return {"max.message.bytes": str(config.kafka.dead_letter_max_bytes)}


def ensure_topics(admin: AdminClient, names: list[str], partitions: int,
                  configs: dict[str, dict[str, str]] | None = None) -> None:
    """Each of ``names`` exists with at least ``partitions`` partitions and the settings ``configs``
    gives it (by topic name)."""
    configs = configs or {}
    existing = admin.list_topics(timeout=10).topics
    missing = [NewTopic(t, num_partitions=partitions, replication_factor=1, config=configs.get(t, {}))
               for t in names if t not in existing]
    narrow = [NewPartitions(t, partitions) for t in names
              if t in existing and len(existing[t].partitions) < partitions]
    futures = {**(admin.create_topics(missing) if missing else {}),
               **(admin.create_partitions(narrow) if narrow else {})}
    for topic, future in futures.items():
        try:
            future.result(timeout=30)
        except Exception as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise StackError(f"kafka: creating topic {topic} with {partitions} partitions failed: {exc}") from None
    settings = [ConfigResource(ResourceType.TOPIC, t, incremental_configs=[
                    ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)
                    for key, value in configs[t].items()])
                for t in names if t in existing and configs.get(t)]
    for resource, future in (admin.incremental_alter_configs(settings).items() if settings else ()):
        try:
            future.result(timeout=30)
        except Exception as exc:
            raise StackError(f"kafka: setting {resource.name}'s configuration failed: {exc}") from None
