"""gmall-rt: the command-line tool of gmall-realtime."""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flink_jobs import jobs
from flink_jobs.config import apply_layer
from gmall_rt import config as config_module
from gmall_rt import artifacts, backfill, flink_rest, grafana, reconcile, sale_detail_query, schema, sql_client
from gmall_rt.config import Config, ConfigError
from gmall_rt.mock import runner as mock_runner
from gmall_rt.mock.generator import MockOptions
from gmall_rt.stack.manager import Stack, ensure_credentials
from gmall_rt.stack.service import StackError

def _load(args) -> Config:
    return config_module.load(args.config)


def cmd_stack_up(args) -> int:
    config = _load(args)
    if ensure_credentials(config):
        config = _load(args)
    stack = Stack(config)
    if not artifacts.is_current(config):
        _refuse_while_running(stack)
        artifacts.fetch(config)
    stack.up()
    schema.apply(config)
    _print_status(stack.status())
    return 0


def cmd_schema_apply(args) -> int:
    schema.apply(_load(args))
    return 0


def cmd_stack_down(args) -> int:
    Stack(_load(args)).down()
    return 0


def _print_status(rows) -> None:
    print(f"{'SERVICE':<20} {'STATE':<9} {'PID':>7} {'RSS MiB':>8}  {'HEALTH':<8}  PORTS")
    for row in rows:
        ports = ",".join(f"{label}={port}" for label, port in row.ports.items())
        print(f"{row.name:<20} {row.state:<9} {row.pid or '-':>7} {row.rss_mib or '-':>8}  {row.health:<8}  {ports}")


def cmd_stack_status(args) -> int:
    rows = Stack(_load(args)).status()
    _print_status(rows)
    return 0 if all(row.health == "healthy" for row in rows) else 3


def cmd_stack_logs(args) -> int:
    stack = Stack(_load(args))
    names = [args.service] if args.service else [s.name for s in stack.services]
    paths = [str(stack.supervisor.log_path(stack.service(name).name)) for name in names]
    tail = ["tail", "-n", str(args.lines)] + (["-F"] if args.follow else []) + paths
    return subprocess.call(tail)


def _refuse_while_running(stack: Stack) -> None:
    """Running services read their jars lazily: never swap them underneath."""
    if stack.supervisor.is_running():
        raise StackError("artifacts: the pinned artifacts changed while the stack runs; "
                         "run `gmall-rt stack down`, then `gmall-rt stack up`")


def cmd_artifacts_fetch(args) -> int:
    config = _load(args)
    if not artifacts.is_current(config):
        _refuse_while_running(Stack(config))
    artifacts.fetch(config)
    return 0


def cmd_config(args) -> int:
    config = _load(args)
    for section in dataclasses.fields(config):
        values = getattr(config, section.name)
        print(f"[{section.name}]")
        for key in dataclasses.fields(values):
            value = getattr(values, key.name)
            secret = key.name.endswith("password") or key.name == "token"
            shown = "(set)" if secret and value else repr(value)
            print(f"{key.name} = {shown}")
        print()
    return 0


def replay_from(config: Config, text: str) -> Config:
    """``config`` with the jobs' Kafka sources starting at the local time ``text``
    ('yyyy-MM-dd HH:mm' in time.zone) in every partition, instead of where their startup mode says."""
    try:
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(config.time.zone))
    except ValueError:
        raise ConfigError(f"--from {text!r} is not a local time 'yyyy-MM-dd HH:mm', e.g. '2026-12-04 08:00'") from None
    layer = {"kafka": {"startup_mode": "timestamp", "startup_timestamp_ms": int(moment.timestamp() * 1000)}}
    return config_module.validate(apply_layer(config, layer, "--from"))


def cmd_jobs_submit(args) -> int:
    selected = [jobs.get(name) for name in (args.jobs or jobs.JOB_NAMES)]
    config = _load(args)
    if args.start_from:
        if args.restore:
            raise ConfigError("--from starts with fresh state and --restore with a checkpoint's: give one of them")
        config = replay_from(config, args.start_from)
    for job in selected:
        running = flink_rest.active_jobs(config, job.pipeline_name(config))
        if running:
            raise ConfigError(f"{job.pipeline_name(config)} is already running as {running[0].job_id}; "
                              f"`gmall-rt jobs cancel {job.name}` first")
    for job in selected:
        result = jobs.submit(config, job, args.restore)
        reading = f", reading its topics from {args.start_from} {config.time.zone}" if args.start_from else ""
        print(f"{job.pipeline_name(config)}: submitted as {result.get_job_client().get_job_id()}{reading}", flush=True)
    return 0


def cmd_jobs_list(args) -> int:
    config = _load(args)
    statuses = flink_rest.jobs(config) if args.all else flink_rest.active_jobs(config)
    print(f"{'NAME':<20} {'STATE':<12} {'STARTED':<20} JOB ID")
    for status in statuses:
        started = datetime.fromtimestamp(status.start_time_ms / 1000).strftime("%Y-%m-%d %H:%M:%S")
        print(f"{status.name:<20} {status.state:<12} {started:<20} {status.job_id}")
    return 0


def cmd_jobs_cancel(args) -> int:
    config = _load(args)
    for target in args.jobs:
        if target in jobs.JOB_NAMES:
            ids = [status.job_id for status in flink_rest.active_jobs(config, jobs.get(target).pipeline_name(config))]
            if not ids:
                print(f"{target}: not running")
        else:
            ids = [target]
        for job_id in ids:
            flink_rest.cancel(config, job_id)
            print(f"{target}: cancelled {job_id} (its checkpoints are kept for --restore latest)")
    return 0


def _add_jobs_parser(commands) -> None:
    jobs_parser = commands.add_parser("jobs", help="the Flink jobs on the local session cluster")
    actions = jobs_parser.add_subparsers(dest="action", required=True)
    submit = actions.add_parser("submit", help="submit jobs (default: all of them)")
    # no argparse choices: Python 3.11's argparse checks the empty list of a bare `submit` against
    # them and refuses it
    submit.add_argument("jobs", nargs="*", metavar="JOB", help=f"one of: {', '.join(jobs.JOB_NAMES)}")
    submit.add_argument("--restore", help="'latest' (each job's newest checkpoint) or a checkpoint/savepoint path")
    submit.add_argument("--from", dest="start_from", metavar="'yyyy-MM-dd HH:mm'",
                        help="replay: start with fresh state from this local time (time.zone) in the job's topics")
    submit.set_defaults(func=cmd_jobs_submit)
    listing = actions.add_parser("list", help="the jobs running on the cluster")
    listing.add_argument("--all", action="store_true", help="finished and cancelled ones too")
    listing.set_defaults(func=cmd_jobs_list)
    cancel = actions.add_parser("cancel", help="cancel jobs by name or Flink job id")
    cancel.add_argument("jobs", nargs="+", metavar="JOB")
    cancel.set_defaults(func=cmd_jobs_cancel)


def _event_time_range(args, zone: str) -> tuple[int, int]:
    tz = ZoneInfo(zone)

    def parse(text: str, flag: str) -> int:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError(f"{flag} {text!r} is not a date or time; use ISO format, e.g. 2026-11-20 or 2026-11-20T08:30") from None
        return int((moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp() * 1000)

    now = datetime.now(tz).replace(second=0, microsecond=0)
    start = parse(args.start, "--start") if args.start else int(
        (now - timedelta(days=1)).replace(hour=0, minute=0).timestamp() * 1000)
    end = parse(args.end, "--end") if args.end else int(now.timestamp() * 1000)
    return start, end


def cmd_mock(args) -> int:
    config = _load(args)
    if args.duration is not None:
        if not args.rate:
            raise ConfigError("--duration needs --rate (events/s); for as fast as possible, give --count")
        count = int(args.rate * args.duration)
    else:
        count = args.count
    start_ms, end_ms = _event_time_range(args, config.time.zone)
    knobs = {f.name: getattr(args, f.name) for f in dataclasses.fields(MockOptions) if f.name in MOCK_KNOBS}
    try:
        options = MockOptions(start_ms=start_ms, end_ms=end_ms, zone=config.time.zone, count=count,
                              allowed_lateness_ms=config.time.allowed_lateness_s * 1000, **knobs)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    out_dir = Path(args.out) if args.out else config.stack.state_path / "mock" / "latest"
    summary = mock_runner.run(config, options, out_dir, rate=args.rate or 0, reset=args.reset)
    print(f"mock: sent {summary['logs_sent']:,} logs in {summary['seconds']} s "
          f"({summary['logs_per_second']:,} logs/s); recorded in {out_dir}")
    for key, value in summary["counts"].items():
        print(f"  {key:<40} {value:>10,}")
    return 0


MOCK_KNOBS = ("seed", "devices", "users", "orders", "fraud_rate", "near_miss_rate", "out_of_order_rate", "late_rate",
              "duplicate_rate", "midnight_devices", "malformed_rate", "user_update_rate", "order_correction_rate",
              "order_delete_rate")


def _add_mock_parser(commands) -> None:
    mock = commands.add_parser("mock", help="generate app logs into Kafka and business rows into MariaDB")
    amount = mock.add_mutually_exclusive_group()
    amount.add_argument("--count", type=int, default=10_000, help="log records to send (default 10000)")
    amount.add_argument("--duration", type=float, help="seconds to send for, at --rate")
    mock.add_argument("--rate", type=float, default=0, help="log records per second (default: as fast as possible)")
    mock.add_argument("--start", help="event-time range start, ISO date or time in the business zone (default: yesterday 00:00)")
    mock.add_argument("--end", help="event-time range end (default: now)")
    mock.add_argument("--reset", action="store_true", help="delete the source tables' rows first")
    mock.add_argument("--out", help="where to record what was sent (default: <state>/mock/latest)")
    defaults = MockOptions(start_ms=0, end_ms=1)
    for name in MOCK_KNOBS:
        default = getattr(defaults, name)
        mock.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default,
                          help=f"default {default}")
    mock.set_defaults(func=cmd_mock)


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

    schema_parser = commands.add_parser("schema", help="the tables and templates the jobs write to")
    schema_commands = schema_parser.add_subparsers(dest="action", required=True)
    schema_commands.add_parser("apply", help="create or update them, as the admin account").set_defaults(
        func=cmd_schema_apply)

    _add_mock_parser(commands)
    _add_jobs_parser(commands)
    grafana.add_parser(commands)
    sql_client.add_parser(commands)
    sale_detail_query.add_parser(commands)
    backfill.add_parser(commands)
    reconcile.add_parser(commands)
    commands.add_parser("config", help="print the effective configuration").set_defaults(func=cmd_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (StackError, ConfigError, mock_runner.MockError, grafana.GrafanaError, schema.SchemaError,
            backfill.BackfillError) as exc:
        print(f"gmall-rt: error: {exc}", file=sys.stderr)
        # a command whose exit 1 has a meaning of its own (reconcile: the outputs differ) says so
        return getattr(exc, "exit_status", 1)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
