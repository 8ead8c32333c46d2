"""`gmall-rt sql [-f FILE]`: the Flink SQL client with every table of every job registered.

The client runs embedded (``sql-client.sh embedded`` from the apache-flink wheel) with the local
Flink home's ``conf/`` and ``lib/`` (the connector jars and the jobs' Java functions), and submits
its queries to the local session cluster. An init script, rendered from the configuration, sets
the business time zone and the tableau result mode, creates the jobs' functions
(``flink_jobs/sql/functions.sql``), every source and sink table of every job
(``flink_jobs/sql/connectors``, each table once) and the ad-hoc tables (``sql/adhoc_tables.sql``: the MariaDB business tables
through JDBC). It holds the MariaDB and Redis passwords, so it is written to a private temporary file that is
removed when the client exits.

Kafka tables are read from the earliest offset under the client's own consumer group, never the
jobs' groups, so an ad-hoc query moves no job's offsets. The queries in ``sql/adhoc`` run with
``gmall-rt sql -f sql/adhoc/<file>.sql``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from flink_jobs import jobs
from gmall_rt import config as config_module
from gmall_rt.config import Config, ConfigError
from gmall_rt.paths import JAVA_DIR, SQL_DIR

ADHOC_DIR = SQL_DIR / "adhoc"
ADHOC_TABLES_FILE = SQL_DIR / "adhoc_tables.sql"
CLIENT_NAME = "gmall-sql-client"
GATEWAY_ARTIFACT = "flink-sql-gateway"
# a Kafka table's read options the client overrides: its own group, from the start of the topic
CLIENT_PARAMETERS = {
    "group_id": CLIENT_NAME,
    "transactional_id_prefix": f"{CLIENT_NAME}-dead-letters",
    "kafka_startup_mode": "earliest-offset",
    "kafka_startup_timestamp_ms": "0",
    "kafka_bounded_mode": "unbounded",
}


def adhoc_parameters(config: Config) -> dict[str, str]:
    """The ad-hoc tables read the business tables as the app's account, which can read them."""
    return {"mariadb_source_user": config.mariadb.source_user,
            "mariadb_source_password": config.mariadb.source_password}

_CREATE = re.compile(r"^\s*CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?",
                     re.IGNORECASE | re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SECRET = re.compile(r"('password'\s*=\s*)'[^']*'")


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def session_settings(config: Config) -> dict[str, str]:
    """The SET statements of the session: where queries run and how results are shown."""
    return {
        "table.local-time-zone": config.time.zone,
        "execution.target": "remote",
        "rest.address": config.flink.host,
        "rest.port": str(config.flink.rest_port),
        "pipeline.name": CLIENT_NAME,
        "sql-client.execution.result-mode": "tableau",
        "sql-client.display.max-column-width": "60",
    }


def table_name(statement: str) -> str | None:
    """The name a ``CREATE TABLE`` statement creates (None for any other statement)."""
    lines = [line for line in statement.splitlines() if not line.strip().startswith("--")]
    match = _CREATE.search("\n".join(lines))
    return match.group(1) if match else None


def table_statements(config: Config) -> list[str]:
    """Every job's tables, each once (the dead-letter topic is in several jobs), then the ad-hoc
    tables; Kafka tables read with the client's own parameters."""
    seen: set[str] = set()
    result = []
    for name in jobs.JOB_NAMES:
        job = jobs.get(name)
        parameters = jobs.sql_parameters(config, job) | CLIENT_PARAMETERS
        for stmt in jobs.table_ddl(job, parameters):
            table = table_name(stmt)
            if table is None or table in seen:
                continue
            seen.add(table)
            result.append(stmt)
    parameters = jobs.sql_parameters(config, jobs.get(jobs.JOB_NAMES[0])) | CLIENT_PARAMETERS | adhoc_parameters(config)
    for stmt in jobs.statements(jobs.render(ADHOC_TABLES_FILE, parameters)):
        table = table_name(stmt)
        if table in seen:
            raise ConfigError(f"{ADHOC_TABLES_FILE.name}: table {table} is already a job's table")
        seen.add(table)
        result.append(stmt)
    return result


def init_script(config: Config) -> str:
    """The SQL client's init script: settings, the jobs' functions, every table."""
    parts = ["-- gmall-rt sql: the session's settings, the jobs' functions and every table"]
    parts += [f"SET {_quote(key)} = {_quote(value)};" for key, value in session_settings(config).items()]
    parts += [f"{stmt};" for stmt in jobs.statements(jobs.FUNCTIONS_FILE.read_text())]
    parts += [f"{stmt};" for stmt in table_statements(config)]
    return "\n\n".join(parts) + "\n"


def masked(script: str) -> str:
    return _SECRET.sub(r"\1'(set)'", script)


# ---------------------------------------------------------------------------------------------
# Launching the client


def pinned_flink_version() -> str:
    match = re.search(r"<flink\.version>([^<]+)</flink\.version>", (JAVA_DIR / "pom.xml").read_text())
    if not match:
        raise ConfigError(f"no <flink.version> in {JAVA_DIR / 'pom.xml'}")
    return match.group(1)


def client_jars(config: Config) -> Path:
    """The SQL client's opt/ directory in the local Flink home: the wheel's SQL client and Python
    jars, and the SQL gateway jar the embedded client runs on. The wheel leaves the gateway out; it
    is resolved once from Maven Central (checksums verified) at the pinned Flink version."""
    from gmall_rt.stack.flink import PYFLINK_HOME

    opt = config.flink_home / "opt"
    opt.mkdir(parents=True, exist_ok=True)
    for jar in (PYFLINK_HOME / "opt").glob("*.jar"):
        link = opt / jar.name
        if not link.is_symlink() or link.readlink() != jar:
            link.unlink(missing_ok=True)
            link.symlink_to(jar)
    version = pinned_flink_version()
    if not (opt / f"{GATEWAY_ARTIFACT}-{version}.jar").is_file():
        for stale in opt.glob(f"{GATEWAY_ARTIFACT}-*.jar"):
            stale.unlink()
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ConfigError("the SQL client needs Maven once, to fetch the SQL gateway jar; apt-get install maven")
        result = subprocess.run(
            [mvn, "-B", "-q", "-C", "dependency:copy", f"-Dartifact=org.apache.flink:{GATEWAY_ARTIFACT}:{version}",
             f"-DoutputDirectory={opt}"], capture_output=True, text=True, cwd=opt)
        if result.returncode != 0:
            errors = [line for line in result.stdout.splitlines() if line.startswith("[ERROR]")]
            raise ConfigError(f"could not fetch {GATEWAY_ARTIFACT} {version} from Maven Central: "
                              f"{(errors or [result.stdout.strip()])[0]}")
    return opt


def client_environment(config: Config) -> dict[str, str]:
    """The environment of ``sql-client.sh``: the wheel as Flink's home (bin/), the local Flink
    home's conf/, lib/ (connectors, the jobs' Java functions), log/ and opt/ (the client's jars)."""
    from gmall_rt.stack.flink import PYFLINK_HOME, prepare_flink_home

    home = config.flink_home
    if not (home / "conf" / "config.yaml").exists():
        prepare_flink_home(config)
    if not any((home / "lib").glob("flink-connector-jdbc*.jar")):
        raise ConfigError(f"no connector jars in {home / 'lib'}; run `gmall-rt stack up` first")
    (home / "log").mkdir(exist_ok=True)
    return {
        **os.environ,
        "FLINK_HOME": str(PYFLINK_HOME),
        "FLINK_CONF_DIR": str(home / "conf"),
        "FLINK_LIB_DIR": str(home / "lib"),
        "FLINK_LOG_DIR": str(home / "log"),
        "FLINK_OPT_DIR": str(client_jars(config)),
        # PyFlink's scripts find a Python; the session's Python functions would need this one
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
    }


def client_command(init_file: Path, sql_file: Path | None = None) -> list[str]:
    from gmall_rt.stack.flink import PYFLINK_HOME

    command = ["bash", str(PYFLINK_HOME / "bin" / "sql-client.sh"), "embedded", "-i", str(init_file)]
    return command + (["-f", str(sql_file)] if sql_file else [])


def check_cluster(config: Config) -> None:
    url = f"{config.flink.rest_url}/overview"
    try:
        with urllib.request.urlopen(url, timeout=5):
            pass
    except (OSError, urllib.error.URLError) as exc:
        raise ConfigError(f"the Flink session cluster is not answering at {config.flink.rest_url} ({exc}); "
                          "start the local stack with `gmall-rt stack up`") from None


def run(config: Config, sql_file: Path | None = None) -> int:
    """Run the SQL client (interactive, or on ``sql_file``) and return its exit status."""
    if sql_file is not None and not sql_file.is_file():
        raise ConfigError(f"no SQL file {sql_file}")
    environment = client_environment(config)
    check_cluster(config)
    with tempfile.TemporaryDirectory(prefix="gmall-rt-sql-") as private:  # mode 0700
        init_file = Path(private) / "init.sql"
        descriptor = os.open(init_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(init_script(config))
        # Ctrl-C belongs to the client (it cancels the running query), not to gmall-rt
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if sql_file is None:
                return subprocess.call(client_command(init_file), env=environment)
            return _run_file(client_command(init_file, sql_file.resolve()), environment, sql_file)
        finally:
            signal.signal(signal.SIGINT, previous)


def _run_file(command: list[str], environment: dict[str, str], sql_file: Path) -> int:
    """Run the client on a file, its output passed through. The client exits with 0 even when a
    statement fails (it stops there): a failed statement is found in its output."""
    failure = None
    with subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, text=True,
                          errors="replace") as client:
        for line in client.stdout:
            sys.stdout.write(line)
            plain = _ANSI.sub("", line)
            if failure is None and "[ERROR]" in plain:
                failure = plain[plain.index("[ERROR]"):].strip()
            elif failure is not None and failure.endswith("Reason:"):
                failure = f"{failure} {plain.strip()}"
    sys.stdout.flush()
    if client.returncode != 0:
        raise ConfigError(f"the SQL client failed on {sql_file} (exit status {client.returncode}); "
                          "its messages are above")
    if failure is not None:
        raise ConfigError(f"{sql_file}: {failure.removeprefix('[ERROR] ')}")
    return 0


def cmd_sql(args) -> int:
    config = config_module.load(args.config)
    if args.print_init:
        print(masked(init_script(config)), end="")
        return 0
    return run(config, Path(args.file) if args.file else None)


def add_parser(commands) -> None:
    """Add ``sql`` to gmall-rt's subcommands."""
    sql = commands.add_parser(
        "sql", help="the Flink SQL client, every job's tables registered",
        description="Open the Flink SQL client (embedded, submitting to the local session cluster) with "
                    "the jobs' functions and every source and sink table registered.")
    sql.add_argument("-f", "--file", metavar="FILE",
                     help="run the statements of FILE and exit, e.g. sql/adhoc/orders_by_status.sql")
    sql.add_argument("--print-init", action="store_true",
                     help="print the init script (passwords masked) and exit")
    sql.set_defaults(func=cmd_sql)
