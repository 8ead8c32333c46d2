"""The Kubernetes manifests of k8s/: every resource of each overlay, as kustomize renders it, is one
the API server accepts (the official Kubernetes schemas, and the FlinkDeployment CRD of the Flink
Kubernetes Operator release pinned in java/k8s-schemas/pom.xml), and deploys what the jobs need."""

from __future__ import annotations

import base64
import math
import re
import tomllib

import jsonschema
import kubernetes_validate
import pytest
import yaml

from flink_jobs import config as config_module
from gmall_rt.paths import PROJECT_ROOT

K8S_DIR = PROJECT_ROOT / "k8s"
# the oldest Kubernetes k8s/README.md supports, and the newest whose schemas are at hand
K8S_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
JOB_MODULES = {
    "dau": "flink_jobs.dau",
    "gmv": "flink_jobs.gmv",
    "alert": "flink_jobs.alert",
    "user-dim": "flink_jobs.user_dim",
    "sale-detail": "flink_jobs.sale_detail",
}
PYTHON_DRIVER = "org.apache.flink.client.python.PythonDriver"
MAIN_CONTAINER = "flink-main-container"
SECRET = "gmall-rt-credentials"
SECRET_ENV = {"GMALL_MARIADB_PASSWORD": "mariadb-password", "GMALL_REDIS_PASSWORD": "redis-password"}
STATE_DIRS = ("state.checkpoints.dir", "state.savepoints.dir", "high-availability.storageDir")


def flink_version() -> str:
    with (PROJECT_ROOT / "jobs" / "pyproject.toml").open("rb") as fh:
        dependencies = tomllib.load(fh)["project"]["dependencies"]
    return next(dep.split("==")[1] for dep in dependencies if dep.startswith("apache-flink=="))


def main_container(deployment: dict) -> dict:
    containers = deployment["spec"]["podTemplate"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == MAIN_CONTAINER)


def env_of(deployment: dict) -> dict[str, dict]:
    return {var["name"]: var for var in main_container(deployment).get("env", [])}


def pod_config(rendered, deployment: dict, folder) -> config_module.Config:
    """The configuration the job of ``deployment`` runs with: the file its pods mount (from the
    rendered ConfigMap), read by :func:`flink_jobs.config.load` with the environment they get (the
    Secret's values where the overlay renders it) and a state directory of ``folder``, so that no
    credentials file of this machine is read."""
    config_maps = {cm["metadata"]["name"]: cm for cm in rendered.of_kind("ConfigMap")}
    secrets = {s["metadata"]["name"]: s for s in rendered.of_kind("Secret")}
    name, env = deployment["metadata"]["name"], env_of(deployment)
    volumes = {v["name"]: v for v in deployment["spec"]["podTemplate"]["spec"]["volumes"]}
    config_file = env[config_module.CONFIG_FILE_ENV]["value"]
    mount = next(m for m in main_container(deployment)["volumeMounts"]
                 if config_file.startswith(m["mountPath"].rstrip("/") + "/"))
    config_map = config_maps[volumes[mount["name"]]["configMap"]["name"]]
    key = config_file.removeprefix(mount["mountPath"].rstrip("/") + "/")
    assert key in config_map["data"], f"{name}: {config_file} is not in {config_map['metadata']['name']}"
    (folder / key).write_text(config_map["data"][key])

    environ = {"GMALL_STACK_STATE_DIR": str(folder / "state")}
    for var, spec in env.items():
        if "value" in spec:
            environ[var] = spec["value"]
        elif spec["valueFrom"]["secretKeyRef"]["name"] in secrets:
            ref = spec["valueFrom"]["secretKeyRef"]
            environ[var] = base64.b64decode(secrets[ref["name"]]["data"][ref["key"]]).decode()
    return config_module.load(str(folder / key), environ)


def operator_parallelism(spec: dict) -> int:
    """The ``parallelism.default`` the operator gives the application cluster, as its
    FlinkConfigBuilder derives it: TaskManager replicas × slots when replicas are set (job.parallelism
    is then ignored), otherwise job.parallelism."""
    replicas = spec.get("taskManager", {}).get("replicas")
    if replicas is not None:
        return replicas * task_slots(spec)
    return spec["job"]["parallelism"]


def task_slots(spec: dict) -> int:
    return int(spec["flinkConfiguration"].get("taskmanager.numberOfTaskSlots", "1"))


def memory_mib(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([mg])", value).groups()
    return int(number) * (1024 if unit == "g" else 1)


@pytest.mark.parametrize("k8s_version", K8S_VERSIONS)
def test_core_resources_match_kubernetes_schemas(rendered, k8s_version):
    """Strict schemas: an unknown or misspelt field is an error, as with kubectl's default validation.
    The FlinkDeployments' pod templates are checked as the Pods they become."""
    objects = [res for res in rendered.resources if res["kind"] != "FlinkDeployment"]
    objects += [{"apiVersion": "v1", "kind": "Pod", **dep["spec"]["podTemplate"]}
                for dep in rendered.of_kind("FlinkDeployment")]
    errors = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, k8s_version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(part) for part in exc.path)
            errors.append(f"{obj['kind']} {obj['metadata']['name']}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(exc.message)
    assert not errors, f"overlays/{rendered.overlay} against Kubernetes {k8s_version}:\n" + "\n".join(errors)


def test_flinkdeployments_match_operator_crd(rendered, flinkdeployment_schema):
    validator = jsonschema.Draft7Validator(flinkdeployment_schema)
    errors = [f"{dep['metadata']['name']}: {'.'.join(map(str, error.absolute_path))}: {error.message}"
              for dep in rendered.of_kind("FlinkDeployment") for error in validator.iter_errors(dep)]
    assert not errors, f"overlays/{rendered.overlay}:\n" + "\n".join(errors)


def test_every_job_is_an_application_upgraded_by_savepoint(rendered):
    deployments = {dep["metadata"]["name"]: dep["spec"] for dep in rendered.of_kind("FlinkDeployment")}
    assert set(deployments) == set(JOB_MODULES)
    version = flink_version()
    for name, spec in deployments.items():
        job = spec.get("job")
        assert job, f"{name}: no job, so not an application cluster"
        assert spec.get("mode", "native") == "native", name
        assert spec["flinkVersion"] == "v" + "_".join(version.split(".")[:2]), name
        assert job["jarURI"] == f"local:///opt/flink/opt/flink-python-{version}.jar", name
        assert job["entryClass"] == PYTHON_DRIVER, name
        assert job["args"][:2] == ["-pym", JOB_MODULES[name]], name
        assert job["upgradeMode"] == "savepoint", name
        assert job["state"] == "running", name
        assert job["parallelism"] >= 1, name


def test_state_is_on_durable_storage(rendered):
    """Checkpoints, savepoints and HA metadata go to S3 (with the S3 plugin enabled) or to a
    persistent volume mounted in the pods, never to a pod's own disk."""
    claims = rendered.names("PersistentVolumeClaim")
    for dep in rendered.of_kind("FlinkDeployment"):
        name, spec = dep["metadata"]["name"], dep["spec"]
        conf = spec["flinkConfiguration"]
        assert conf.get("high-availability.type") == "kubernetes", name
        volumes = {v["name"]: v for v in spec["podTemplate"]["spec"].get("volumes", [])}
        mounted_claims = {
            mount["mountPath"].rstrip("/"): volumes[mount["name"]]["persistentVolumeClaim"]["claimName"]
            for mount in main_container(dep).get("volumeMounts", [])
            if "persistentVolumeClaim" in volumes.get(mount["name"], {})
        }
        for key in STATE_DIRS:
            directory = conf.get(key, "")
            if directory.startswith("s3://"):
                plugins = env_of(dep).get("ENABLE_BUILT_IN_PLUGINS", {}).get("value", "")
                assert f"flink-s3-fs-presto-{flink_version()}.jar" in plugins.split(";"), name
            else:
                assert directory.startswith("file:///"), f"{name}: {key} = {directory!r}"
                path = directory.removeprefix("file://")
                mount = next((m for m in mounted_claims if path.startswith(m + "/")), None)
                assert mount, f"{name}: {key} = {directory} is not on a mounted persistent volume"
                assert mounted_claims[mount] in claims, f"{name}: claim {mounted_claims[mount]} is not deployed"


def test_resources_are_sized(rendered):
    for dep in rendered.of_kind("FlinkDeployment"):
        name, spec = dep["metadata"]["name"], dep["spec"]
        for role in ("jobManager", "taskManager"):
            resource = spec[role]["resource"]
            assert resource["cpu"] > 0, f"{name} {role}"
            assert memory_mib(resource["memory"]) >= 1024, f"{name} {role}: {resource['memory']}"
        assert int(spec["flinkConfiguration"]["taskmanager.numberOfTaskSlots"]) >= 1, name


def test_credentials_come_only_from_the_secret(rendered, fake_credentials):
    secrets = {s["metadata"]["name"]: s for s in rendered.of_kind("Secret")}
    for dep in rendered.of_kind("FlinkDeployment"):
        name, env = dep["metadata"]["name"], env_of(dep)
        for var, key in SECRET_ENV.items():
            ref = env[var]["valueFrom"]["secretKeyRef"]
            assert ref["key"] == key and ref["name"].startswith(SECRET), f"{name}: {var}"
            if rendered.overlay == "local":
                data = secrets[ref["name"]]["data"]
                assert base64.b64decode(data[key]).decode() == fake_credentials[key]
        literal = [v for v, spec in env.items() if "value" in spec and re.search(r"PASSWORD|SECRET|TOKEN", v)]
        assert not literal, f"{name}: credentials given literally: {literal}"
    if rendered.overlay == "production":
        assert not any(s.startswith(SECRET) for s in secrets), "production credentials are created in the cluster"
    for value in fake_credentials.values():
        assert value not in rendered.text, "a password is in the manifests in plain text"
    for config_map in rendered.of_kind("ConfigMap"):
        for text in config_map["data"].values():
            assert not re.search(r"(?im)^\s*(\w*password|\w*token)\s*=", text), config_map["metadata"]["name"]


def test_jobs_load_their_configuration(rendered, fake_credentials, tmp_path):
    """The configuration file mounted in the pods, with the environment they get, is one the jobs
    accept, runs them as applications and leaves their state directories to the FlinkDeployment."""
    for dep in rendered.of_kind("FlinkDeployment"):
        name = dep["metadata"]["name"]
        config = pod_config(rendered, dep, tmp_path)
        assert config.flink.deployment == "application", name
        assert config.flink.checkpoint_dir == "", f"{name}: the job would override state.checkpoints.dir"
        if rendered.overlay == "local":
            assert config.mariadb.password == fake_credentials["mariadb-password"], name


def test_parallelism_is_the_configurations(rendered, tmp_path):
    """Each job sets its parallelism itself, from its configuration (flink.parallelism, or one
    subtask per partition of the topics): the FlinkDeployment must ask for the same, and its
    TaskManagers must have the slots for it."""
    overlay_file = K8S_DIR / "overlays" / rendered.overlay / "gmall-rt.toml"
    overlay_config = config_module.load(str(overlay_file),
                                        environ={"GMALL_STACK_STATE_DIR": str(tmp_path / "state")})
    errors = []
    for dep in rendered.of_kind("FlinkDeployment"):
        name, spec = dep["metadata"]["name"], dep["spec"]
        parallelism = pod_config(rendered, dep, tmp_path).parallelism
        assert parallelism == overlay_config.parallelism, f"{name}: the pods get another configuration"
        if spec["job"]["parallelism"] != parallelism:
            errors.append(f"{name}: job.parallelism {spec['job']['parallelism']}, the configuration's "
                          f"parallelism {parallelism} (kafka.partitions {overlay_config.kafka.partitions}, "
                          f"flink.parallelism {overlay_config.flink.parallelism})")
        if "replicas" in spec.get("taskManager", {}) and operator_parallelism(spec) != parallelism:
            errors.append(f"{name}: taskManager.replicas × slots gives the cluster parallelism "
                          f"{operator_parallelism(spec)} (job.parallelism is then ignored), the job runs {parallelism}")
        conf = spec["flinkConfiguration"]
        # either would make the JobManager rescale the job's vertices away from the configuration
        for key in ("pipeline.parallelism-overrides", "job.autoscaler.enabled"):
            if key in conf and conf[key] not in ("", "false"):
                errors.append(f"{name}: {key} is set; the parallelism is the configuration's")
        # the operator starts taskManager.replicas TaskManagers, or (native mode, replicas unset)
        # Flink starts as many as the job's slots need: ceil(parallelism / slots)
        slots = task_slots(spec)
        taskmanagers = spec.get("taskManager", {}).get("replicas") or math.ceil(parallelism / slots)
        capacity = min(taskmanagers * slots, int(conf.get("slotmanager.number-of-slots.max", 2**31 - 1)))
        if capacity < parallelism:
            errors.append(f"{name}: {taskmanagers} TaskManager(s) of {slots} slot(s), at most {capacity} "
                          f"slots, cannot hold parallelism {parallelism}")
        if taskmanagers * slots - parallelism >= slots:
            errors.append(f"{name}: {taskmanagers} TaskManagers of {slots} slots for parallelism "
                          f"{parallelism} leave a whole TaskManager idle")
    assert not errors, f"overlays/{rendered.overlay} ({overlay_file.name}):\n" + "\n".join(errors)


def test_every_reference_resolves(rendered):
    accounts = rendered.names("ServiceAccount")
    bound = {subject["name"] for binding in rendered.of_kind("RoleBinding")
             for subject in binding["subjects"] if subject["kind"] == "ServiceAccount"}
    config_maps = rendered.names("ConfigMap")
    for dep in rendered.of_kind("FlinkDeployment"):
        name, spec = dep["metadata"]["name"], dep["spec"]
        assert spec["serviceAccount"] in accounts & bound, f"{name}: service account {spec['serviceAccount']}"
        for volume in spec["podTemplate"]["spec"]["volumes"]:
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps, f"{name}: volume {volume['name']}"
        mounted = {m["name"] for m in main_container(dep)["volumeMounts"]}
        assert mounted <= {v["name"] for v in spec["podTemplate"]["spec"]["volumes"]}, name


def test_image_runs_the_same_flink_as_pyflink():
    dockerfile = (K8S_DIR / "Dockerfile").read_text()
    assert f"ARG FLINK_IMAGE=flink:{flink_version()}-scala_2.12-java17" in dockerfile


METRICS_PORT = 9249
FLINK_PROMETHEUS_REPORTER = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"


def test_every_flink_process_serves_prometheus_metrics_on_a_named_port(rendered):
    """Each JobManager and TaskManager pod runs the reporter (the image's plugin) on the port its
    main container declares as `metrics`, and says so in the annotations Prometheus's pod discovery
    reads; label values stay as they are (job names, dead-letter reasons), as on the local stack."""
    for dep in rendered.of_kind("FlinkDeployment"):
        name, spec = dep["metadata"]["name"], dep["spec"]
        conf = spec["flinkConfiguration"]
        assert conf["metrics.reporter.prom.factory.class"] == FLINK_PROMETHEUS_REPORTER, name
        assert conf["metrics.reporter.prom.port"] == str(METRICS_PORT), name
        assert conf["metrics.reporter.prom.filterLabelValueCharacters"] == "false", name
        ports = {port["name"]: port for port in main_container(dep).get("ports", [])}
        assert ports.get("metrics", {}).get("containerPort") == METRICS_PORT, f"{name}: {ports}"
        assert ports["metrics"].get("protocol", "TCP") == "TCP", name
        annotations = spec["podTemplate"]["metadata"].get("annotations", {})
        assert annotations.get("prometheus.io/scrape") == "true", name
        assert annotations.get("prometheus.io/port") == str(METRICS_PORT), name
        assert annotations.get("prometheus.io/path") == "/metrics", name


def test_the_pod_monitor_scrapes_the_flink_pods_metrics_port():
    """monitoring/pod-monitor.yaml (applied by hand where the Prometheus Operator runs) selects the
    pods the Flink Kubernetes Operator labels and scrapes the port the pods declare."""
    monitor = yaml.safe_load((K8S_DIR / "monitoring" / "pod-monitor.yaml").read_text())
    assert (monitor["apiVersion"], monitor["kind"]) == ("monitoring.coreos.com/v1", "PodMonitor")
    assert monitor["spec"]["selector"]["matchLabels"] == {"type": "flink-native-kubernetes"}
    [endpoint] = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"


def test_the_image_has_the_pinned_reporter_plugin():
    dockerfile = (K8S_DIR / "Dockerfile").read_text()
    assert "RUN rm -rf /opt/flink/plugins/metrics-prometheus" in dockerfile
    assert "/artifacts/flink-plugins/metrics-prometheus/ /opt/flink/plugins/metrics-prometheus/" in dockerfile
