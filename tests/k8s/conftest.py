"""Fixtures of the k8s/ tests: each overlay as kustomize renders it, and the FlinkDeployment schema
from the Flink Kubernetes Operator's API jar (java/k8s-schemas, fetched by `gmall-rt artifacts fetch`)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from gmall_rt.paths import PROJECT_ROOT

K8S_DIR = PROJECT_ROOT / "k8s"
KUSTOMIZE = K8S_DIR / "tools" / "bin" / "kustomize"
OVERLAYS = ("local", "production")
CRD_ENTRY = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml"


@dataclass(frozen=True)
class Rendered:
    overlay: str
    text: str
    resources: list[dict]

    def of_kind(self, kind: str) -> list[dict]:
        return [res for res in self.resources if res["kind"] == kind]

    def names(self, kind: str) -> set[str]:
        return {res["metadata"]["name"] for res in self.of_kind(kind)}


@pytest.fixture(scope="session")
def fake_credentials() -> dict[str, str]:
    """What the tests put in the local overlay's credentials.env: these may reach the Secret only."""
    return {"mariadb-password": "k8s-test-mariadb-password", "redis-password": "k8s-test-redis-password"}


@pytest.fixture(scope="session")
def k8s_tree(tmp_path_factory, fake_credentials) -> Path:
    """A copy of k8s/ whose local overlay has a credentials.env of test passwords, so that a
    user's own credentials.env is never read."""
    root = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S_DIR, root, ignore=shutil.ignore_patterns("bin", "credentials.env"))
    local = root / "overlays" / "local"
    example = (local / "credentials.env.example").read_text().splitlines()
    keys = [line.split("=", 1)[0] for line in example if line.strip() and not line.startswith("#")]
    assert sorted(keys) == sorted(fake_credentials), "credentials.env.example lists other keys"
    (local / "credentials.env").write_text("".join(f"{key}={fake_credentials[key]}\n" for key in keys))
    return root


@pytest.fixture(scope="session", params=OVERLAYS)
def rendered(request, k8s_tree) -> Rendered:
    if not KUSTOMIZE.exists():
        pytest.fail(f"{KUSTOMIZE} is missing; run k8s/tools/install.sh")
    overlay = request.param
    result = subprocess.run([str(KUSTOMIZE), "build", str(k8s_tree / "overlays" / overlay)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"kustomize build overlays/{overlay} failed: {result.stderr.strip()}")
    return Rendered(overlay, result.stdout, [res for res in yaml.safe_load_all(result.stdout) if res])


@pytest.fixture(scope="session")
def operator_api_jar(config) -> Path:
    folder = config.stack.artifacts_path / "k8s-schemas"
    jars = sorted(folder.glob("flink-kubernetes-operator-api-*.jar"))
    if len(jars) != 1:
        pytest.fail(f"{folder}: expected one flink-kubernetes-operator-api jar, found {len(jars)}; "
                    "run `gmall-rt artifacts fetch`")
    return jars[0]


def closed(schema):
    """``schema`` with every object that lists its properties closed to any other: with strict field
    validation (kubectl's default) the API server rejects an unknown field instead of dropping it."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: closed(value) for key, value in schema.items()}
    if result.get("type") == "object" and "properties" in result and "additionalProperties" not in result:
        result["additionalProperties"] = False
    return result


@pytest.fixture(scope="session")
def flinkdeployment_schema(operator_api_jar) -> dict:
    """The JSON schema the API server checks a FlinkDeployment against once the operator's CRD is
    installed: the CRD's openAPIV3Schema of its stored version, closed, plus the fields every
    object has (the CRD leaves them implicit)."""
    with zipfile.ZipFile(operator_api_jar) as jar:
        crd = yaml.safe_load(jar.read(CRD_ENTRY))
    version = next(v for v in crd["spec"]["versions"] if v["served"] and v["storage"])
    schema = closed(version["schema"]["openAPIV3Schema"])
    # the CRD describes ObjectMeta only inside the pod template
    object_meta = schema["properties"]["spec"]["properties"]["podTemplate"]["properties"]["metadata"]
    schema["properties"].update(
        apiVersion={"const": f"{crd['spec']['group']}/{version['name']}"},
        kind={"const": crd["spec"]["names"]["kind"]},
        metadata={**object_meta, "required": ["name"]},
    )
    schema["required"] = ["apiVersion", "kind", "metadata", "spec"]
    return schema
