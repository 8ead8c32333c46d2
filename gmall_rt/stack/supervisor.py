"""The local stack's processes run under supervisord; this module writes its configuration and talks
to it over its UNIX socket (XML-RPC), so that nothing but supervisord forks or reaps services."""

from __future__ import annotations

import configparser
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path
from typing import Iterable

from supervisor.xmlrpc import SupervisorTransport

from gmall_rt.stack.service import Service, StackError

RUNNING_STATES = {"STARTING", "RUNNING"}
FAILED_STATES = {"BACKOFF", "FATAL", "EXITED", "UNKNOWN"}


class Supervisor:
    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.conf_path = state_dir / "supervisord.conf"
        self.socket_path = state_dir / "supervisor.sock"
        self.pid_path = state_dir / "supervisord.pid"
        self.log_dir = state_dir / "logs"

    # --- configuration -------------------------------------------------------------------------
    def write_config(self, services: Iterable[Service]) -> None:
        parser = configparser.RawConfigParser()
        parser["unix_http_server"] = {"file": str(self.socket_path), "chmod": "0700"}
        parser["supervisord"] = {
            "logfile": str(self.log_dir / "supervisord.log"),
            "pidfile": str(self.pid_path),
            "childlogdir": str(self.log_dir),
            "nodaemon": "false",
            "minfds": "16384",
        }
        parser["rpcinterface:supervisor"] = {
            "supervisor.rpcinterface_factory": "supervisor.rpcinterface:make_main_rpcinterface"
        }
        parser["supervisorctl"] = {"serverurl": f"unix://{self.socket_path}"}
        for service in services:
            program = {
                "command": " ".join(_quote(arg) for arg in service.command()).replace("%", "%%"),
                "directory": str(service.home),
                "autostart": "false",
                "autorestart": "unexpected",
                "startsecs": "3",
                "startretries": "0",
                "stopwaitsecs": "60",
                "stopasgroup": "true",
                "killasgroup": "true",
                "redirect_stderr": "true",
                "stdout_logfile": str(self.log_path(service.name)),
                "stdout_logfile_maxbytes": "50MB",
                "stdout_logfile_backups": "2",
            }
            env = service.environment()
            if env:
                program["environment"] = ",".join(f'{k}="{_escape_env(v)}"' for k, v in env.items())
            if service.run_as:
                program["user"] = service.run_as
            parser[f"program:{service.name}"] = program
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.conf_path.open("w") as fh:
            parser.write(fh)

    def log_path(self, service_name: str) -> Path:
        return self.log_dir / f"{service_name}.log"

    # --- the daemon ----------------------------------------------------------------------------
    def _rpc(self):
        transport = SupervisorTransport(None, None, serverurl=f"unix://{self.socket_path}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def is_running(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            return self._rpc().supervisor.getState()["statename"] == "RUNNING"
        except (OSError, xmlrpc.client.Fault):
            return False

    def start_daemon(self) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.conf_path)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise StackError(f"supervisord: could not start: {(result.stderr or result.stdout).strip()[:300]}")
        deadline = time.monotonic() + 15
        while not self.is_running():
            if time.monotonic() > deadline:
                raise StackError(
                    f"supervisord: did not start; read {self.log_dir / 'supervisord.log'}"
                )
            time.sleep(0.2)

    def reload(self) -> None:
        """Pick up programs added to the configuration; running programs are left as they are."""
        rpc = self._rpc()
        added, changed, _removed = rpc.supervisor.reloadConfig()[0]
        for name in added:
            rpc.supervisor.addProcessGroup(name)
        for name in changed:
            if self.state(name) not in RUNNING_STATES:
                rpc.supervisor.removeProcessGroup(name)
                rpc.supervisor.addProcessGroup(name)

    def shutdown(self) -> None:
        if self.is_running():
            self._rpc().supervisor.shutdown()
            deadline = time.monotonic() + 30
            while self.is_running() and time.monotonic() < deadline:
                time.sleep(0.2)

    # --- programs ------------------------------------------------------------------------------
    def info(self, name: str) -> dict | None:
        if not self.is_running():
            return None
        try:
            return self._rpc().supervisor.getProcessInfo(name)
        except xmlrpc.client.Fault:
            return None

    def state(self, name: str) -> str:
        info = self.info(name)
        return info["statename"] if info else "STOPPED"

    def pid(self, name: str) -> int | None:
        info = self.info(name)
        return info["pid"] or None if info else None

    def start(self, name: str) -> None:
        self._rpc().supervisor.startProcess(name, False)

    def stop(self, name: str) -> None:
        if self.state(name) in RUNNING_STATES:
            try:
                self._rpc().supervisor.stopProcess(name, True)
            except xmlrpc.client.Fault as fault:
                if "NOT_RUNNING" not in fault.faultString:
                    raise


def _quote(arg: str) -> str:
    """supervisord splits `command` with shlex; keep each argument whole."""
    if arg and all(c.isalnum() or c in "-_./=:,@%+" for c in arg):
        return arg
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def _escape_env(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
