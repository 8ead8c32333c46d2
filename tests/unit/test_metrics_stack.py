"""The local stack's metrics: each Flink process serves its own to Prometheus on loopback, and the
stack's Prometheus scrapes every one of them (no stack needed: commands, files and configuration)."""

import re
import shutil
import subprocess
import tomllib

import pytest

from gmall_rt import config as config_module
from gmall_rt.paths import JAVA_DIR, PROJECT_ROOT
from gmall_rt.stack import prometheus
from gmall_rt.stack.flink import METRICS_REPORTER_FACTORY, FlinkJobManager, FlinkTaskManager, prepare_flink_home
from gmall_rt.stack.manager import Stack


@pytest.fixture
def config(tmp_path):
    return config_module.load(environ={"GMALL_STACK_STATE_DIR": str(tmp_path / "state"),
                                       "GMALL_STACK_ARTIFACTS_DIR": str(tmp_path / "artifacts")})


def flink_processes(config):
    return [FlinkJobManager(config), *FlinkTaskManager.instances(config)]


def dynamic_properties(command: list[str]) -> dict[str, str]:
    """The -D key=value pairs of a Flink launcher's command line, in either form."""
    properties = {}
    for n, arg in enumerate(command):
        pair = command[n + 1] if arg == "-D" else arg[2:] if arg.startswith("-D") else None
        if pair:
            key, _, value = pair.partition("=")
            properties[key] = value
    return properties


def test_each_flink_process_serves_its_metrics_on_loopback_at_a_port_of_its_own(config):
    processes = flink_processes(config)
    ports = [process.ports()["metrics"] for process in processes]
    assert ports == [9249, 9250, 9251]
    for process, port in zip(processes, ports):
        command = process.command()
        assert command[:3] == ["bash", command[1], "start-foreground"]
        # jobmanager.sh reads a second argument other than "-D" as a host name
        assert command[3] == "-D"
        settings = dynamic_properties(command)
        assert settings["metrics.reporter.prom.factory.class"] == METRICS_REPORTER_FACTORY
        assert settings["metrics.reporter.prom.host"] == "127.0.0.1"
        assert settings["metrics.reporter.prom.port"] == str(port)
        assert settings["metrics.reporter.prom.filterLabelValueCharacters"] == "false"
        assert process.environment()["FLINK_PLUGINS_DIR"] == str(config.flink_home / "plugins")
        assert "flink-plugins" in process.artifacts


def test_the_reporter_is_a_plugin_of_the_cluster_only(config):
    plugin = config.stack.artifacts_path / "flink-plugins" / "metrics-prometheus"
    plugin.mkdir(parents=True)
    for name in ("flink-metrics-prometheus-1.20.3.jar", "gmall-rt-metrics-reporter.jar"):
        (plugin / name).write_bytes(b"")
    home = prepare_flink_home(config)
    linked = home / "plugins" / "metrics-prometheus"
    assert sorted(p.name for p in linked.iterdir()) == ["flink-metrics-prometheus-1.20.3.jar",
                                                        "gmall-rt-metrics-reporter.jar"]
    assert all(p.resolve().parent == plugin.resolve() for p in linked.iterdir())
    # the job clients read conf/config.yaml too, and start no reporter
    assert "metrics.reporter" not in (home / "conf" / "config.yaml").read_text()
    (plugin / "gmall-rt-metrics-reporter.jar").unlink()
    prepare_flink_home(config)
    assert [p.name for p in linked.iterdir()] == ["flink-metrics-prometheus-1.20.3.jar"]


def test_the_taskmanagers_metrics_ports_follow_their_number(tmp_path):
    config = config_module.load(environ={"GMALL_STACK_STATE_DIR": str(tmp_path), "GMALL_FLINK_TASKMANAGERS": "3",
                                         "GMALL_FLINK_TASKMANAGER_METRICS_PORT": "19300"})
    assert [tm.metrics_port() for tm in FlinkTaskManager.instances(config)] == [19300, 19301, 19302]


def test_prometheus_scrapes_every_flink_process_on_loopback(config):
    service = Stack(config).service("prometheus")
    assert service.ports() == {"http": 9090}
    command = service.command()
    assert "--web.listen-address=127.0.0.1:9090" in command
    assert f"--storage.tsdb.path={config.stack.state_path / 'prometheus' / 'data'}" in command
    targets = prometheus.scrape_targets(config)
    assert targets == {
        "flink-jobmanager": [("127.0.0.1:9249", "flink-jobmanager")],
        "flink-taskmanager": [("127.0.0.1:9250", "flink-taskmanager-1"), ("127.0.0.1:9251", "flink-taskmanager-2")],
    }
    assert sorted(port for addresses in targets.values() for address, _ in addresses
                  for port in [int(address.rsplit(":", 1)[1])]) == sorted(
        process.metrics_port() for process in flink_processes(config))
    text = prometheus.scrape_config(config)
    assert "scrape_interval: 5s" in text and "scrape_timeout: 5s" in text


def test_the_scrape_configuration_is_valid_for_prometheus(config):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed: it comes with the Debian package prometheus (scripts/bootstrap.sh)")
    service = Stack(config).service("prometheus")
    service.prepare()
    result = subprocess.run([promtool, "check", "config", str(service.config_file)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bootstrap_installs_prometheus_and_stops_the_distributions_own():
    text = (PROJECT_ROOT / "scripts" / "bootstrap.sh").read_text()
    packages = re.search(r"DEBIAN_PACKAGES=\(([^)]*)\)", text).group(1).split()
    assert "prometheus" in packages
    assert re.search(r"for service in [^;]*\bprometheus\b", text)


def test_the_reporter_is_of_the_flink_line_the_cluster_runs():
    pom = (JAVA_DIR / "pom.xml").read_text()
    reporter = re.search(r"<flink-metrics-prometheus.version>([^<]+)<", pom).group(1)
    pinned = tomllib.loads((PROJECT_ROOT / "jobs" / "pyproject.toml").read_text())["project"]["dependencies"]
    flink = next(dep.split("==")[1] for dep in pinned if dep.startswith("apache-flink=="))
    assert reporter.split(".")[:2] == flink.split(".")[:2]
    dockerfile = (PROJECT_ROOT / "k8s" / "Dockerfile").read_text()
    assert re.search(r"-pl \S*metrics-reporter", dockerfile)
    plugin = "/artifacts/flink-plugins/metrics-prometheus/ /opt/flink/plugins/metrics-prometheus/"
    assert f"COPY --from=connectors {plugin}" in dockerfile
