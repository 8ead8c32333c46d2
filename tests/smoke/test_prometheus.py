"""Prometheus scrapes every process of the Flink cluster: the JobManager and each TaskManager serve
their metrics on loopback (Flink's reporter, java/metrics-reporter), and each target is up."""

import time

from gmall_rt.stack import prometheus
from gmall_rt.stack.flink import FlinkJobManager, FlinkTaskManager


def wait_for_targets(config, limit_s=60):
    """The active targets once every one has been scraped (health "up" or "down", not "unknown")."""
    deadline = time.monotonic() + limit_s
    while True:
        targets = prometheus.api(config, "/api/v1/targets", {"state": "active"})["activeTargets"]
        if all(target["health"] != "unknown" for target in targets) or time.monotonic() > deadline:
            return targets
        time.sleep(1)


def test_prometheus_scrapes_the_jobmanager_and_every_taskmanager(config, stack):
    processes = [FlinkJobManager(config), *FlinkTaskManager.instances(config)]
    targets = wait_for_targets(config)
    by_process = {target["labels"]["flink_process"]: target for target in targets}
    assert sorted(by_process) == sorted(process.name for process in processes)
    for process in processes:
        target = by_process[process.name]
        assert target["health"] == "up", f"{process.name}: {target['lastError']}"
        assert target["scrapeUrl"] == f"http://{config.flink.host}:{process.metrics_port()}/metrics"
        assert target["labels"]["job"] == (prometheus.JOBMANAGER_JOB if process is processes[0]
                                           else prometheus.TASKMANAGER_JOB)


def test_the_scraped_metrics_are_flinks(config, stack):
    wait_for_targets(config)
    [registered] = prometheus.query(config, "flink_jobmanager_numRegisteredTaskManagers")
    assert int(float(registered["value"][1])) == config.flink.taskmanagers
    # each TaskManager's own metrics, from its own target
    heap = prometheus.query(config, "count by (flink_process) (flink_taskmanager_Status_JVM_Memory_Heap_Used)")
    assert sorted(series["metric"]["flink_process"] for series in heap) == sorted(
        tm.name for tm in FlinkTaskManager.instances(config))
