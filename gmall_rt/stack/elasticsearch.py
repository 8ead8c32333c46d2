"""Elasticsearch 7.17 (integ-test distribution) as one node on loopback, security off."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

from gmall_rt.stack.service import Service, StackError, java_executable


class Elasticsearch(Service):
    name = "elasticsearch"
    artifacts = ("elasticsearch",)
    refuses_root = True

    def ports(self) -> dict[str, int]:
        es = self.config.elasticsearch
        return {"http": es.port, "transport": es.transport_port}

    @property
    def distribution(self) -> Path:
        found = sorted(self.artifact_path("elasticsearch").glob("elasticsearch-*"))
        if not found:
            raise StackError("elasticsearch: distribution missing; run `gmall-rt artifacts fetch`")
        return found[-1]

    def command(self) -> list[str]:
        return [str(self.distribution / "bin" / "elasticsearch")]

    def environment(self) -> dict[str, str]:
        heap = self.config.elasticsearch.heap
        return {
            "ES_JAVA_HOME": str(Path(java_executable()).resolve().parent.parent),
            "ES_PATH_CONF": str(self.home / "config"),
            "ES_JAVA_OPTS": f"-Xms{heap} -Xmx{heap}",
            "ES_TMPDIR": str(self.home / "tmp"),
        }

    def prepare(self) -> None:
        super().prepare()
        es = self.config.elasticsearch
        config_dir = self.home / "config"
        if not config_dir.exists():
            shutil.copytree(self.distribution / "config", config_dir)
            # the shipped jvm.options point GC logs and heap dumps into the (read-only) distribution
            jvm_options = config_dir / "jvm.options"
            text = jvm_options.read_text().replace("logs/", f"{self.home / 'logs'}/")
            jvm_options.write_text(text.replace("HeapDumpPath=data", f"HeapDumpPath={self.home / 'data'}"))
        for sub in ("data", "logs", "tmp"):
            (self.home / sub).mkdir(exist_ok=True)
        settings = {
            "cluster.name": "gmall-rt",
            "node.name": "gmall-rt-1",
            "path.data": str(self.home / "data"),
            "path.logs": str(self.home / "logs"),
            "network.host": es.host,
            "http.port": es.port,
            "transport.port": es.transport_port,
            "discovery.type": "single-node",
            "xpack.security.enabled": False,
            # a laptop's disk is often fuller than a server's; do not turn indices read-only
            "cluster.routing.allocation.disk.threshold_enabled": False,
        }
        (config_dir / "elasticsearch.yml").write_text(
            "".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items())
        )
        self.give_to_service_user(self.home)

    def probe(self) -> str | None:
        url = f"{self.config.elasticsearch.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                status = json.load(response)["status"]
        except (OSError, ValueError, KeyError) as exc:
            return f"cluster health not readable ({exc})"
        return None if status in ("yellow", "green") else f"cluster status {status}"
