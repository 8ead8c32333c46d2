"""gmall-rt: the command-line tool of gmall-realtime."""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys

from flink_jobs import artifacts, config as config_module
from flink_jobs.config import Config, ConfigError
from flink_jobs.stack.manager import Stack, ensure_credentials
from flink_jobs.stack.service import StackError

SECRET_KEYS = {"password"}


def _load(args) -> Config:
    return config_module.load(args.config)


def cmd_stack_up(args) -> int:
    config = _load(args)
    if ensure_credentials(config):
        config = _load(args)
    if not artifacts.is_current(config):
        artifacts.fetch(config)
    stack = Stack(config)
    stack.up()
    _print_status(stack)
    return 0


def cmd_stack_down(args) -> int:
    Stack(_load(args)).down()
    return 0


def _print_status(stack: Stack) -> None:
    rows = stack.status()
    print(f"{'SERVICE':<20} {'STATE':<9} {'PID':>7} {'RSS MiB':>8}  {'HEALTH':<8}  PORTS")
    for row in rows:
        ports = ",".join(f"{label}={port}" for label, port in row.ports.items())
        print(f"{row.name:<20} {row.state:<9} {row.pid or '-':>7} {row.rss_mib or '-':>8}  {row.health:<8}  {ports}")


def cmd_stack_status(args) -> int:
    stack = Stack(_load(args))
    _print_status(stack)
    return 0 if all(row.health == "healthy" for row in stack.status()) else 3


def cmd_stack_logs(args) -> int:
    stack = Stack(_load(args))
    names = [args.service] if args.service else [s.name for s in stack.services]
    paths = [str(stack.supervisor.log_path(stack.service(name).name)) for name in names]
    tail = ["tail", "-n", str(args.lines)] + (["-F"] if args.follow else []) + paths
    return subprocess.call(tail)


def cmd_artifacts_fetch(args) -> int:
    artifacts.fetch(_load(args))
    return 0


def cmd_config(args) -> int:
    config = _load(args)
    for section in dataclasses.fields(config):
        values = getattr(config, section.name)
        print(f"[{section.name}]")
        for key in dataclasses.fields(values):
            value = getattr(values, key.name)
            shown = "(set)" if key.name in SECRET_KEYS and value else repr(value)
            print(f"{key.name} = {shown}")
        print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gmall-rt", description=__doc__)
    parser.add_argument("--config", help="TOML configuration file (default: $GMALL_RT_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True)

    stack = commands.add_parser("stack", help="the local stack of single-node services")
    stack_commands = stack.add_subparsers(dest="action", required=True)
    stack_commands.add_parser("up", help="start every service that is not running").set_defaults(func=cmd_stack_up)
    stack_commands.add_parser("down", help="stop what the stack started").set_defaults(func=cmd_stack_down)
    stack_commands.add_parser("status", help="each service: state, pid, ports, health").set_defaults(
        func=cmd_stack_status
    )
    logs = stack_commands.add_parser("logs", help="the end of a service's log (all services by default)")
    logs.add_argument("service", nargs="?")
    logs.add_argument("-n", "--lines", type=int, default=50)
    logs.add_argument("-f", "--follow", action="store_true")
    logs.set_defaults(func=cmd_stack_logs)

    arts = commands.add_parser("artifacts", help="the pinned Java artifacts")
    arts_commands = arts.add_subparsers(dest="action", required=True)
    arts_commands.add_parser("fetch", help="resolve them from Maven Central").set_defaults(func=cmd_artifacts_fetch)

    commands.add_parser("config", help="print the effective configuration").set_defaults(func=cmd_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (StackError, ConfigError) as exc:
        print(f"gmall-rt: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
