"""The Flink cluster's REST API, as `gmall-rt jobs`, the tests and the benchmarks use it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from gmall_rt.config import Config
from gmall_rt.stack.service import StackError

ACTIVE_STATES = {"INITIALIZING", "CREATED", "RUNNING", "RESTARTING", "FAILING", "CANCELLING", "RECONCILING"}


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    name: str
    state: str
    start_time_ms: int

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


def _request(config: Config, path: str, method: str = "GET") -> Any:
    url = f"{config.flink.rest_url}{path}"
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise StackError(f"flink: {method} {url} answered {exc.code}: {exc.read()[:200]!r}") from None
    except OSError as exc:
        raise StackError(f"flink: the cluster at {config.flink.rest_url} does not answer ({exc}); "
                         "start it with `gmall-rt stack up`") from None
    return json.loads(body) if body else None


def jobs(config: Config) -> list[JobStatus]:
    """Every job the cluster knows, newest first."""
    overview = _request(config, "/jobs/overview")["jobs"]
    statuses = [JobStatus(j["jid"], j["name"], j["state"], j["start-time"]) for j in overview]
    return sorted(statuses, key=lambda status: status.start_time_ms, reverse=True)


def active_jobs(config: Config, name: str | None = None) -> list[JobStatus]:
    return [job for job in jobs(config) if job.active and (name is None or job.name == name)]


def state(config: Config, job_id: str) -> str:
    return _request(config, f"/jobs/{job_id}")["state"]


def cancel(config: Config, job_id: str, timeout_s: float = 60) -> None:
    """Cancel without a savepoint (the retained checkpoints stay) and wait until it is over."""
    _request(config, f"/jobs/{job_id}?mode=cancel", method="PATCH")
    deadline = time.monotonic() + timeout_s
    while state(config, job_id) in ACTIVE_STATES:
        if time.monotonic() > deadline:
            raise StackError(f"flink: job {job_id} did not stop within {timeout_s:.0f} s")
        time.sleep(0.5)


def job_detail(config: Config, job_id: str) -> dict:
    """The job's state and its vertices: each one's name, status and record counts."""
    return _request(config, f"/jobs/{job_id}")


def vertex_names(config: Config, job_id: str) -> list[str]:
    return [vertex["name"] for vertex in _request(config, f"/jobs/{job_id}")["vertices"]]


def taskmanagers(config: Config) -> list[str]:
    """The resource ids of the TaskManagers registered with the cluster."""
    return [tm["id"] for tm in _request(config, "/taskmanagers")["taskmanagers"]]


def checkpoint_counts(config: Config, job_id: str) -> dict[str, int]:
    """The job's checkpoints by outcome: completed, in_progress, failed, restored, total."""
    return _request(config, f"/jobs/{job_id}/checkpoints")["counts"]


def completed_checkpoints(config: Config, job_id: str) -> int:
    return checkpoint_counts(config, job_id)["completed"]


def find_metrics(config: Config, job_id: str, metric_suffix: str) -> list[str]:
    """Where to read, vertex by vertex, the job's metrics whose name ends with ``metric_suffix``
    (operator metrics are named ``<operator>.<metric>``): one path per vertex that has any."""
    paths = []
    for vertex in _request(config, f"/jobs/{job_id}")["vertices"]:
        base = f"/jobs/{job_id}/vertices/{vertex['id']}/subtasks/metrics"
        names = [m["id"] for m in _request(config, base) if m["id"].endswith(metric_suffix)]
        if names:
            paths.append(f"{base}?get={','.join(names)}&agg=sum")
    return paths


def read_metrics(config: Config, paths: list[str]) -> list[int]:
    """The values at ``paths`` (from :func:`find_metrics`), each summed over the subtasks."""
    return [int(float(value["sum"])) for path in paths for value in _request(config, path)]


def metric_sum(config: Config, job_id: str, metric_suffix: str) -> int:
    """The sum over the job's vertices and subtasks of the metrics whose name ends with ``metric_suffix``."""
    return sum(read_metrics(config, find_metrics(config, job_id, metric_suffix)))


def restarts(config: Config, job_id: str) -> int:
    """How many times the job has restarted since it was submitted (its numRestarts metric; 0
    while a job just submitted reports none yet)."""
    metrics = _request(config, f"/jobs/{job_id}/metrics?get=numRestarts")
    return int(metrics[0]["value"]) if metrics else 0
