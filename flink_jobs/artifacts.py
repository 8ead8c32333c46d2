"""`gmall-rt artifacts fetch`: resolve the pinned Java artifacts of java/pom.xml from Maven Central.

Maven verifies every download against its published checksum (`-C`, strict). A stamp with the
digest of the poms makes a second run, with nothing changed, do nothing."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

from flink_jobs.config import Config
from flink_jobs.paths import JAVA_DIR
from flink_jobs.stack.service import StackError

STAMP = ".fetched"


def _poms_digest() -> str:
    digest = hashlib.sha256()
    for pom in sorted(JAVA_DIR.rglob("pom.xml")):
        digest.update(str(pom.relative_to(JAVA_DIR)).encode())
        digest.update(pom.read_bytes())
    return digest.hexdigest()


def is_current(config: Config) -> bool:
    stamp = config.stack.artifacts_path / STAMP
    return stamp.exists() and stamp.read_text().strip() == _poms_digest()


def fetch(config: Config, report=print) -> None:
    target = config.stack.artifacts_path
    if is_current(config):
        report(f"artifacts: up to date in {target}")
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("artifacts: Maven is not installed; apt-get install maven")
    if target.exists():
        # a pom changed: start clean so no stale version stays on a classpath
        shutil.rmtree(target)
    target.mkdir(parents=True)
    report(f"artifacts: resolving {JAVA_DIR / 'pom.xml'} into {target} (checksums verified)")
    result = subprocess.run(
        [mvn, "-B", "-q", "-C", "-f", str(JAVA_DIR / "pom.xml"), "package", f"-Dgmall.artifacts={target}"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        errors = [line for line in result.stdout.splitlines() if line.startswith("[ERROR]")]
        raise StackError(f"artifacts: Maven failed: {(errors or [result.stdout.strip()])[0]}")
    (target / STAMP).write_text(_poms_digest())
    report("artifacts: done")


def require(config: Config, folder: str) -> None:
    path = config.stack.artifacts_path / folder
    if not (config.stack.artifacts_path / STAMP).exists() or not path.is_dir():
        raise StackError(f"artifacts: {path} is missing; run `gmall-rt artifacts fetch`")
