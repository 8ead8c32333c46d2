"""What every service of the local stack tells the stack manager about itself."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
from pathlib import Path

from gmall_rt.config import Config


class StackError(RuntimeError):
    """One line for the user: which service, what went wrong, how to fix it."""


class Service:
    """A single-node service run by supervisord.

    Subclasses say how to prepare the service's directory (idempotent), the command that runs it in
    the foreground, its ports, and how to tell it is healthy.
    """

    name: str = ""
    depends_on: tuple[str, ...] = ()
    needs_java: bool = True
    # artifact folders (under the artifacts dir) this service runs from
    artifacts: tuple[str, ...] = ()
    # services that refuse to run as root run as the configured service user instead
    refuses_root: bool = False

    def __init__(self, config: Config):
        self.config = config
        self.home = config.stack.state_path / self.name

    @classmethod
    def instances(cls, config: Config) -> list["Service"]:
        """The processes of this kind the stack runs: one, unless the service says otherwise."""
        return [cls(config)]

    # --- what subclasses provide ---------------------------------------------------------------
    def ports(self) -> dict[str, int]:
        raise NotImplementedError

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return {}

    def prepare(self) -> None:
        """Create the service's directories and configuration; safe to run again."""
        self.home.mkdir(parents=True, exist_ok=True)

    def probe(self) -> str | None:
        """None when the service answers as it should, else a short reason."""
        raise NotImplementedError

    def after_healthy(self) -> None:
        """One-time set-up that needs the running service (databases, topics); idempotent."""

    # --- shared helpers ------------------------------------------------------------------------
    @property
    def run_as(self) -> str | None:
        if self.refuses_root and os.geteuid() == 0:
            return self.config.stack.service_user
        return None

    def artifact_path(self, folder: str) -> Path:
        return self.config.stack.artifacts_path / folder

    def give_to_service_user(self, *paths: Path) -> None:
        user = self.run_as
        if not user:
            return
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            raise StackError(
                f"{self.name}: it cannot run as root and user '{user}' does not exist; "
                f"create it (useradd --system {user}) or set GMALL_STACK_SERVICE_USER"
            ) from None
        for path in paths:
            for root, dirs, files in os.walk(path):
                os.chown(root, entry.pw_uid, entry.pw_gid)
                for name in files:
                    os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def java_executable() -> str:
    java = shutil.which("java")
    if java is None:
        raise StackError(
            "java: no Java runtime on PATH; install OpenJDK 17 (apt-get install openjdk-17-jdk-headless)"
        )
    return java


def port_is_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def classpath(*folders: Path) -> str:
    return ":".join(str(folder / "*") for folder in folders)
