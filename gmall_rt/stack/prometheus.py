"""Prometheus from the Debian package, scraping the Flink cluster's processes: the JobManager and
every TaskManager serve their metrics on loopback (Flink's Prometheus reporter, java/metrics-reporter),
and the operations dashboard (grafana/dashboards/operations.json) reads them from here."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from gmall_rt.config import Config
from gmall_rt.stack.flink import FlinkJobManager, FlinkTaskManager
from gmall_rt.stack.service import Service, StackError

# the scrape jobs: Prometheus's label `job` of every series (Flink's own job label is `job_name`)
JOBMANAGER_JOB = "flink-jobmanager"
TASKMANAGER_JOB = "flink-taskmanager"


def scrape_targets(config: Config) -> dict[str, list[tuple[str, str]]]:
    """Each scrape job's targets: (``host:port``, the stack's name of the process)."""
    host = config.flink.host
    jobmanager = FlinkJobManager(config)
    return {
        JOBMANAGER_JOB: [(f"{host}:{jobmanager.metrics_port()}", jobmanager.name)],
        TASKMANAGER_JOB: [(f"{host}:{tm.metrics_port()}", tm.name) for tm in FlinkTaskManager.instances(config)],
    }


def scrape_config(config: Config) -> str:
    """prometheus.yml: every process of the Flink cluster, every ``prometheus.scrape_interval_s``,
    each series labelled with the process it came from (``flink_process``)."""
    interval = f"{config.prometheus.scrape_interval_s}s"
    lines = [
        "# written by `gmall-rt stack up` (gmall_rt/stack/prometheus.py)",
        "global:",
        f"  scrape_interval: {interval}",
        f"  scrape_timeout: {interval}",
        f"  evaluation_interval: {interval}",
        "scrape_configs:",
    ]
    for job, targets in scrape_targets(config).items():
        lines += [f"  - job_name: {job}", "    static_configs:"]
        for address, process in targets:
            lines += [f"      - targets: [{json.dumps(address)}]",
                      f"        labels: {{flink_process: {json.dumps(process)}}}"]
    return "\n".join(lines) + "\n"


def api(config: Config, path: str, params: dict[str, Any] | None = None, timeout: float = 10) -> Any:
    """The ``data`` of a Prometheus HTTP API answer (``/api/v1/...``); raises StackError otherwise."""
    url = f"{config.prometheus.url}{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as exc:
        raise StackError(f"prometheus: {path} answered {exc.code}: {exc.read()[:300]!r}") from None
    except (OSError, ValueError) as exc:
        raise StackError(f"prometheus: {config.prometheus.url} does not answer ({exc}); "
                         "start it with `gmall-rt stack up`") from None
    if answer.get("status") != "success":
        raise StackError(f"prometheus: {path}: {answer.get('errorType')}: {answer.get('error')}")
    return answer["data"]


def query(config: Config, promql: str, at: float | None = None) -> list[dict]:
    """An instant query's result: each series' ``metric`` (labels) and ``value`` ([time, "text"])."""
    params: dict[str, Any] = {"query": promql}
    if at is not None:
        params["time"] = f"{at:.3f}"
    return api(config, "/api/v1/query", params)["result"]


def query_range(config: Config, promql: str, start: float, end: float, step_s: float) -> list[dict]:
    """A range query's result: each series' ``metric`` and ``values`` ([[time, "text"], ...])."""
    return api(config, "/api/v1/query_range",
               {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step_s}s"})["result"]


class Prometheus(Service):
    name = "prometheus"
    needs_java = False

    def ports(self) -> dict[str, int]:
        return {"http": self.config.prometheus.port}

    @property
    def config_file(self):
        return self.home / "prometheus.yml"

    def command(self) -> list[str]:
        server = shutil.which("prometheus")
        if server is None:
            raise StackError("prometheus: prometheus is not installed; apt-get install prometheus")
        cfg = self.config.prometheus
        return [
            server,
            f"--config.file={self.config_file}",
            f"--web.listen-address={cfg.host}:{cfg.port}",
            f"--storage.tsdb.path={self.home / 'data'}",
            f"--storage.tsdb.retention.time={cfg.retention}",
        ]

    def prepare(self) -> None:
        super().prepare()
        (self.home / "data").mkdir(exist_ok=True)
        self.config_file.write_text(scrape_config(self.config))

    def probe(self) -> str | None:
        try:
            with urllib.request.urlopen(f"{self.config.prometheus.url}/-/ready", timeout=3) as response:
                return None if response.status == 200 else f"/-/ready answered {response.status}"
        except urllib.error.HTTPError as exc:
            return f"/-/ready answered {exc.code}"
        except OSError as exc:
            return f"/-/ready not answering ({exc})"
