"""`gmall-rt artifacts fetch`: resolve the pinned Java artifacts of java/pom.xml from Maven Central.

Maven verifies every download against its published checksum (`-C`, strict). A stamp with the
digest of the poms and of the project's own Java sources makes a second run, with nothing changed,
do nothing; a changed function is built again."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

from gmall_rt.config import Config
from gmall_rt.paths import JAVA_DIR
from gmall_rt.stack.service import StackError

STAMP = ".fetched"


def _sources_digest() -> str:
    digest = hashlib.sha256()
    sources = [*JAVA_DIR.rglob("pom.xml"), *(p for p in JAVA_DIR.glob("*/src/**/*") if p.is_file())]
    for path in sorted(sources):
        digest.update(str(path.relative_to(JAVA_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_current(config: Config) -> bool:
    stamp = config.stack.artifacts_path / STAMP
    return stamp.exists() and stamp.read_text().strip() == _sources_digest()


def fetch(config: Config, report=print) -> None:
    target = config.stack.artifacts_path
    if is_current(config):
        report(f"artifacts: up to date in {target}")
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("artifacts: Maven is not installed; apt-get install maven")
    if target.exists():
        # a pom or a source changed: start clean so no stale version stays on a classpath
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
    (target / STAMP).write_text(_sources_digest())
    report("artifacts: done")


def require(config: Config, folder: str) -> None:
    path = config.stack.artifacts_path / folder
    if not (config.stack.artifacts_path / STAMP).exists() or not path.is_dir():
        raise StackError(f"artifacts: {path} is missing; run `gmall-rt artifacts fetch`")
