"""HBase 2.5 standalone (master, region server and ZooKeeper in one JVM) with Phoenix 5.2's
coprocessors, and Phoenix Query Server 6.0 in front of it for phoenixdb."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from xml.sax.saxutils import escape

from gmall_rt import clients
from gmall_rt.stack.service import Service, classpath, java_executable, port_is_open

# what HBase's own bin/hbase passes on Java 11+ (and PQS, which embeds the HBase client, needs too)
JAVA17_OPTIONS = [
    "-XX:+IgnoreUnrecognizedVMOptions",
    "-Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true",
    "--add-modules", "jdk.unsupported",
    *[f"--add-opens=java.base/{package}=ALL-UNNAMED" for package in (
        "java.io", "java.nio", "sun.nio.ch", "java.lang", "jdk.internal.ref", "java.lang.reflect",
        "java.util", "java.util.concurrent")],
    *[f"--add-exports={export}=ALL-UNNAMED" for export in (
        "java.base/jdk.internal.misc", "java.security.jgss/sun.security.krb5",
        "java.base/sun.net.dns", "java.base/sun.net.util")],
]

LOG4J2 = """\
status = warn
dest = err
name = PropertiesConfig
appender.console.type = Console
appender.console.target = SYSTEM_ERR
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{ISO8601} %-5p [%t] %c{2}: %.1000m%n
rootLogger = INFO,console
logger.zookeeper.name = org.apache.zookeeper
logger.zookeeper.level = WARN
logger.hadoop.name = org.apache.hadoop
logger.hadoop.level = WARN
logger.hbase.name = org.apache.hadoop.hbase
logger.hbase.level = INFO
logger.metrics.name = org.apache.hadoop.metrics2
logger.metrics.level = ERROR
"""


class HBase(Service):
    name = "hbase"
    artifacts = ("hbase",)

    def ports(self) -> dict[str, int]:
        h = self.config.hbase
        return {
            "zookeeper": h.zookeeper_port,
            "master": h.master_port,
            "master-ui": h.master_info_port,
            "regionserver": h.regionserver_port,
            "regionserver-ui": h.regionserver_info_port,
        }

    @property
    def conf_dir(self):
        return self.config.stack.state_path / "hbase" / "conf"

    def site(self) -> dict[str, str]:
        h, data = self.config.hbase, self.config.stack.state_path / "hbase"
        host = h.zookeeper_host
        return {
            "hbase.cluster.distributed": "false",
            "hbase.rootdir": (data / "data").as_uri(),
            "hbase.tmp.dir": str(data / "tmp"),
            "hbase.zookeeper.property.dataDir": str(data / "zookeeper"),
            "hbase.unsafe.stream.capability.enforce": "false",
            "hbase.zookeeper.quorum": host,
            "hbase.zookeeper.property.clientPort": str(h.zookeeper_port),
            "hbase.zookeeper.property.clientPortAddress": host,
            "hbase.localcluster.assign.random.ports": "false",
            "hbase.master.port": str(h.master_port),
            "hbase.master.info.port": str(h.master_info_port),
            "hbase.regionserver.port": str(h.regionserver_port),
            "hbase.regionserver.info.port": str(h.regionserver_info_port),
            "hbase.master.ipc.address": host,
            "hbase.regionserver.ipc.address": host,
            "hbase.master.info.bindAddress": host,
            "hbase.regionserver.info.bindAddress": host,
            # the jobs write tens of MB a second while a backlog drains: memstores flushed at 256 MB
            # rather than 128 MB write half as many files, and compacting them waits for 6 files
            # rather than 3, so the region server spends its CPU on the writes
            "hbase.hregion.memstore.flush.size": str(256 * 1024 * 1024),
            "hbase.hstore.compactionThreshold": "6",
            # Phoenix's secondary indexes need their WAL codec on the region server
            "hbase.regionserver.wal.codec": "org.apache.hadoop.hbase.regionserver.wal.IndexedWALEditCodec",
            "phoenix.schema.isNamespaceMappingEnabled": "false",
            "phoenix.schema.mapSystemTablesToNamespace": "false",
            "phoenix.queryserver.http.host": self.config.phoenix.host,
            "phoenix.queryserver.http.port": str(self.config.phoenix.port),
            "phoenix.queryserver.serialization": "PROTOBUF",
            # the JMX servlet of PQS 6.0 does not load with the Phoenix 5.2 client; not needed here
            "phoenix.queryserver.jmxjsonendpoint.disabled": "true",
        }

    def write_conf(self) -> None:
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        properties = "".join(
            f"  <property><name>{escape(k)}</name><value>{escape(v)}</value></property>\n"
            for k, v in self.site().items()
        )
        (self.conf_dir / "hbase-site.xml").write_text(f"<?xml version=\"1.0\"?>\n<configuration>\n{properties}</configuration>\n")
        (self.conf_dir / "log4j2.properties").write_text(LOG4J2)

    def prepare(self) -> None:
        super().prepare()
        self.write_conf()

    def _java(self, heap: str, *extra: str) -> list[str]:
        return [
            java_executable(),
            f"-Xms{heap}", f"-Xmx{heap}",
            "-XX:+UseG1GC", "-XX:ParallelGCThreads=2", "-XX:CICompilerCount=2",
            "-Djava.net.preferIPv4Stack=true",
            *JAVA17_OPTIONS,
            f"-Dlog4j2.configurationFile={self.conf_dir / 'log4j2.properties'}",
            *extra,
        ]

    def command(self) -> list[str]:
        return [
            *self._java(
                self.config.hbase.heap,
                "-XX:MaxDirectMemorySize=256m",
                "-Djava.util.logging.config.class=org.apache.hadoop.hbase.logging.JulToSlf4jInitializer",
                f"-Dhbase.log.dir={self.config.stack.state_path / 'logs'}",
                f"-Dhbase.home.dir={self.home}",
            ),
            "-cp", f"{self.conf_dir}:{classpath(self.artifact_path('hbase'))}",
            "org.apache.hadoop.hbase.master.HMaster", "start",
        ]

    def probe(self) -> str | None:
        h = self.config.hbase
        url = (f"http://{h.zookeeper_host}:{h.master_info_port}/jmx"
               "?qry=Hadoop:service=HBase,name=Master,sub=Server")
        # the JMX servlet now and then answers with no beans while metrics refresh: ask again
        for _ in range(3):
            try:
                with urllib.request.urlopen(url, timeout=3) as response:
                    beans = json.load(response)["beans"]
            except (OSError, ValueError, KeyError) as exc:
                return f"master not answering ({exc})"
            if beans:
                break
            time.sleep(0.5)
        else:
            return "master reports no metrics yet"
        master = beans[0]
        if master.get("tag.isActiveMaster") != "true" or not master.get("masterFinishedInitializationTime"):
            return "master not initialized yet"
        if master.get("numRegionServers", 0) < 1:
            return "no region server yet"
        return None


class PhoenixQueryServer(HBase):
    name = "phoenix-queryserver"
    artifacts = ("phoenix-queryserver",)
    depends_on = ("hbase",)

    def ports(self) -> dict[str, int]:
        return {"http": self.config.phoenix.port}

    def prepare(self) -> None:
        Service.prepare(self)
        self.write_conf()

    def command(self) -> list[str]:
        return [
            *self._java(self.config.phoenix.heap),
            "-cp", f"{self.conf_dir}:{classpath(self.artifact_path('phoenix-queryserver'))}",
            "org.apache.phoenix.queryserver.server.QueryServer",
        ]

    def connect(self):
        return clients.phoenix(self.config)

    def probe(self) -> str | None:
        """A real query (the first one also creates Phoenix's SYSTEM tables), run in a child
        process: a phoenixdb connection that fails to open is closed again from its finalizer,
        which can deadlock a long-lived process on the HTTP pool's lock."""
        if not port_is_open(self.config.phoenix.host, self.config.phoenix.port):
            return "not listening yet"
        query = (
            "import sys, phoenixdb\n"
            "connection = phoenixdb.connect(sys.argv[1], autocommit=True)\n"
            "cursor = connection.cursor()\n"
            "cursor.execute('SELECT COUNT(*) FROM SYSTEM.CATALOG')\n"
            "cursor.fetchone(); cursor.close(); connection.close()\n"
        )
        try:
            result = subprocess.run([sys.executable, "-c", query, self.config.phoenix.url],
                                    capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            return "query did not answer within 60 s"
        if result.returncode != 0:
            return f"query failed ({result.stderr.strip().splitlines()[-1][:120] if result.stderr.strip() else 'no output'})"
        return None
