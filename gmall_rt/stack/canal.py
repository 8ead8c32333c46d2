"""Canal in Kafka mode: follows MariaDB's binlog and publishes every change of the captured gmall
tables as flatMessage JSON to one Kafka topic per table: the source database's, and those of the
test database beside it (``canal.test_database``), to topics of their own."""

from __future__ import annotations

import shutil
from pathlib import Path

from gmall_rt.stack.mariadb import MariaDB
from gmall_rt.stack.service import Service, StackError, classpath, java_executable

INSTANCE_XML = Path(__file__).parent / "resources" / "canal-instance.xml"

LOGBACK = """\
<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{yyyy-MM-dd HH:mm:ss.SSS} [%thread] %-5level %logger{56} - %msg%n</pattern></encoder>
  </appender>
  <logger name="com.alibaba.otter.canal" level="INFO"/>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
</configuration>
"""


def _properties(values: dict[str, object]) -> str:
    def escape(value: object) -> str:
        return str(value).replace("\\", "\\\\")
    return "".join(f"{key} = {escape(value)}\n" for key, value in values.items())


class Canal(Service):
    name = "canal"
    artifacts = ("canal",)
    depends_on = ("mariadb", "kafka")

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    def routes(self) -> dict[tuple[str, str], str]:
        """Each captured table, as (database, table), and the topic it is published to."""
        topics, canal = self.config.topics, self.config.canal
        source = {"order_info": topics.order_info, "order_detail": topics.order_detail, "user_info": topics.user_info}
        routes = {(self.config.mariadb.source_database, table): topic for table, topic in source.items()}
        if canal.test_database:
            routes |= {(canal.test_database, table): topic for table, topic in canal.test_topics().items()}
        return routes

    def ports(self) -> dict[str, int]:
        return {}

    def command(self) -> list[str]:
        heap = self.config.canal.heap
        return [
            java_executable(),
            f"-Xms{heap}", f"-Xmx{heap}", "-Xss256k", "-XX:+UseG1GC",
            "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true", "-Dfile.encoding=UTF-8",
            f"-Dlogback.configurationFile={self.conf_dir / 'logback.xml'}",
            f"-Dcanal.conf={self.conf_dir / 'canal.properties'}",
            # Canal's Spring wiring loads its properties and instance XML from the classpath
            "-cp", f"{self.conf_dir}:{classpath(self.artifact_path('canal'))}",
            "com.alibaba.otter.canal.deployer.CanalLauncher",
        ]

    def prepare(self) -> None:
        super().prepare()
        canal, kafka = self.config.canal, self.config.kafka
        instance_dir = self.conf_dir / canal.destination
        (self.conf_dir / "spring").mkdir(parents=True, exist_ok=True)
        instance_dir.mkdir(parents=True, exist_ok=True)
        (self.home / "data").mkdir(exist_ok=True)
        shutil.copy(INSTANCE_XML, self.conf_dir / "spring" / INSTANCE_XML.name)
        (self.conf_dir / "logback.xml").write_text(LOGBACK)
        (self.conf_dir / "canal.properties").write_text(_properties({
            "canal.id": 1,
            "canal.ip": "127.0.0.1",
            "canal.register.ip": "127.0.0.1",
            "canal.zkServers": "",
            "canal.withoutNetty": "false",
            "canal.serverMode": "kafka",
            "canal.file.data.dir": self.home / "data",
            "canal.file.flush.period": 1000,
            "canal.instance.memory.buffer.size": 16384,
            "canal.instance.memory.buffer.memunit": 1024,
            "canal.instance.memory.batch.mode": "MEMSIZE",
            "canal.instance.memory.rawEntry": "true",
            "canal.instance.detecting.enable": "false",
            "canal.instance.transaction.size": 1024,
            "canal.instance.fallbackIntervalInSeconds": 60,
            "canal.instance.network.receiveBufferSize": 16384,
            "canal.instance.network.sendBufferSize": 16384,
            "canal.instance.network.soTimeout": 30,
            "canal.instance.filter.druid.ddl": "true",
            "canal.instance.filter.query.dcl": "false",
            # MariaDB's annotate-rows events would otherwise be published as QUERY messages
            "canal.instance.filter.query.dml": "true",
            "canal.instance.filter.query.ddl": "false",
            "canal.instance.filter.table.error": "false",
            "canal.instance.filter.rows": "false",
            "canal.instance.filter.transaction.entry": "false",
            "canal.instance.binlog.format": "ROW",
            "canal.instance.binlog.image": "FULL",
            "canal.instance.get.ddl.isolation": "false",
            "canal.instance.parser.parallel": "true",
            "canal.instance.parser.parallelThreadSize": 2,
            "canal.instance.parser.parallelBufferSize": 256,
            "canal.instance.tsdb.enable": "false",
            "canal.destinations": canal.destination,
            "canal.conf.dir": self.conf_dir,
            "canal.auto.scan": "false",
            "canal.instance.global.mode": "spring",
            "canal.instance.global.lazy": "false",
            "canal.instance.global.spring.xml": f"classpath:spring/{INSTANCE_XML.name}",
            "canal.mq.servers": kafka.bootstrap_servers,
            "canal.mq.retries": 3,
            "canal.mq.batchSize": 16384,
            "canal.mq.maxRequestSize": 1048576,
            "canal.mq.lingerMs": 20,
            "canal.mq.bufferMemory": 33554432,
            "canal.mq.canalBatchSize": 50,
            "canal.mq.canalGetTimeout": 100,
            "canal.mq.flatMessage": "true",
            "canal.mq.compressionType": "none",
            "canal.mq.acks": "all",
        }))
        instance = instance_dir / "instance.properties"
        instance.touch(mode=0o600)
        instance.write_text(_properties(self.instance_properties()))

    def instance_properties(self) -> dict[str, object]:
        """The instance's properties: where the binlog is, which tables it captures, and to which
        topics and partitions their changes go."""
        canal, db = self.config.canal, self.config.mariadb
        routes = self.routes()
        databases = {}
        for database, table in routes:
            databases.setdefault(database, []).append(table)
        return {
            "canal.instance.mysql.slaveId": canal.slave_id,
            "canal.instance.gtidon": "false",
            "canal.instance.master.address": f"{db.host}:{db.port}",
            "canal.instance.master.journal.name": "",
            "canal.instance.master.position": "",
            "canal.instance.master.timestamp": "",
            "canal.instance.master.gtid": "",
            "canal.instance.tsdb.enable": "false",
            "canal.instance.dbUsername": canal.user,
            "canal.instance.dbPassword": canal.password,
            "canal.instance.connectionCharset": "UTF-8",
            "canal.instance.enableDruid": "false",
            # a comma-separated list of regular expressions, each matched against the whole of
            # <database>.<table> in lower case
            "canal.instance.filter.regex": ",".join(
                f"{database}\\.({'|'.join(tables)})" for database, tables in databases.items()),
            "canal.instance.filter.black.regex": "",
            "canal.mq.topic": self.config.topics.canal_unrouted,
            "canal.mq.dynamicTopic": ",".join(
                f"{topic}:{database}.{table}" for (database, table), topic in routes.items()),
            "canal.mq.partition": 0,
            # each table's changes spread over the topics' partitions by primary key, so the
            # changes of one row stay in order
            "canal.mq.partitionsNum": self.config.kafka.partitions,
            "canal.mq.partitionHash": ",".join(f"{database}\\.{table}:id" for database, table in routes),
        }

    def probe(self) -> str | None:
        """Healthy when Canal holds a binlog dump connection to MariaDB as its own user."""
        try:
            count = MariaDB(self.config).admin_sql(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                f" WHERE USER = '{self.config.canal.user}' AND COMMAND LIKE 'Binlog Dump%'"
            ).strip()
        except StackError as exc:
            return f"cannot ask MariaDB ({exc})"
        return None if count not in ("", "0") else "no binlog dump connection from Canal yet"
