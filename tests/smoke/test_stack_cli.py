"""The stack manager's behaviour as a user meets it: status, idempotent up, and clean refusals."""

import dataclasses
import os
import socket
import subprocess
import sys

GMALL_RT = [sys.executable, "-m", "flink_jobs.cli"]


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


def test_a_taken_port_is_one_clear_line_and_nothing_starts(tmp_path, stack):
    """A second stack in its own state dir, with every port free but Kafka's, taken by someone else."""
    port_settings = [
        f"GMALL_{section.name}_{key.name}".upper()
        for section in dataclasses.fields(stack.config)
        for key in dataclasses.fields(getattr(stack.config, section.name))
        if key.name.endswith("port")
    ]
    env = dict(os.environ)
    env.update(zip(port_settings, map(str, _free_ports(len(port_settings)))))
    env["GMALL_STACK_STATE_DIR"] = str(tmp_path / "state")
    env["GMALL_STACK_ARTIFACTS_DIR"] = str(stack.config.stack.artifacts_path)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        env["GMALL_KAFKA_PORT"] = str(taken)
        result = _run("stack", "up", env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gmall-rt: error: kafka: port ") and str(taken) in lines[0]
    assert not (tmp_path / "state" / "supervisor.sock").exists()
