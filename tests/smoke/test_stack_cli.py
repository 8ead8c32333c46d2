"""The stack manager's behaviour as a user meets it: status, idempotent up, and clean refusals."""

import dataclasses
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

GMALL_RT = [sys.executable, "-m", "gmall_rt.cli"]


def _run(*args, env=None):
    return subprocess.run([*GMALL_RT, *args], capture_output=True, text=True, env=env, timeout=600)


def test_status_lists_every_service_healthy(stack):
    result = _run("stack", "status")
    assert result.returncode == 0, result.stdout + result.stderr
    for service in stack.services:
        line = next(l for l in result.stdout.splitlines() if l.startswith(service.name + " "))
        assert line.split()[1:2] == ["RUNNING"] and " healthy " in line, line


def test_up_leaves_running_services_alone(stack):
    pids = {s.name: stack.supervisor.pid(s.name) for s in stack.services}
    result = _run("stack", "up")
    assert result.returncode == 0, result.stderr
    assert {s.name: stack.supervisor.pid(s.name) for s in stack.services} == pids


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _second_stack_env(stack, state_dir):
    """Environment for a second stack beside the running one: its own state dir, every port free."""
    port_settings = [
        f"GMALL_{section.name}_{key.name}".upper()
        for section in dataclasses.fields(stack.config)
        for key in dataclasses.fields(getattr(stack.config, section.name))
        if key.name.endswith("port")
    ]
    env = dict(os.environ)
    env.update(zip(port_settings, map(str, _free_ports(len(port_settings)))))
    env["GMALL_STACK_STATE_DIR"] = str(state_dir)
    env["GMALL_STACK_ARTIFACTS_DIR"] = str(stack.config.stack.artifacts_path)
    return env


def _processes_mentioning(text):
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            continue
    return found


def _one_error_line(result):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_taken_port_is_one_clear_line_and_nothing_starts(tmp_path, stack):
    env = _second_stack_env(stack, tmp_path / "state")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        env["GMALL_KAFKA_PORT"] = str(taken)
        line = _one_error_line(_run("stack", "up", env=env))
    assert line.startswith("gmall-rt: error: kafka: port ") and str(taken) in line
    assert not (tmp_path / "state" / "supervisor.sock").exists()


def test_no_java_is_one_clear_line(tmp_path, stack):
    env = _second_stack_env(stack, tmp_path / "state")
    env["PATH"] = "/usr/sbin:/sbin"  # MariaDB's tools are there; no java
    line = _one_error_line(_run("stack", "up", env=env))
    assert line.startswith("gmall-rt: error: java: no Java runtime on PATH; install OpenJDK 17")


def test_a_service_that_does_not_become_healthy_leaves_nothing_running(tmp_path, stack):
    state = tmp_path / "state"
    env = _second_stack_env(stack, state)
    env["GMALL_STACK_HEALTH_TIMEOUT_S"] = "0"
    line = _one_error_line(_run("stack", "up", env=env))
    assert re.match(r"gmall-rt: error: [a-z-]+: (not healthy after 0s|the process exited)", line), line
    assert "read " in line and str(state / "logs") in line
    deadline = time.monotonic() + 60
    while _processes_mentioning(str(state)) and time.monotonic() < deadline:
        time.sleep(1)
    assert not _processes_mentioning(str(state))
    assert not (state / "supervisor.sock").exists()
