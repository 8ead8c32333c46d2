"""MariaDB 10.11 from the Debian package: binlog in ROW format with FULL row images, for Canal."""

from __future__ import annotations

import getpass
import shutil
import subprocess
from pathlib import Path

from gmall_rt.stack.service import Service, StackError

# the business tables of the source database, as the app has them (the mock writes them)
SOURCE_TABLES_FILE = Path(__file__).resolve().parent.parent / "mock" / "source_tables.sql"


def _tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if path is None:
        raise StackError(f"mariadb: {name} is not installed; apt-get install mariadb-server mariadb-client")
    return path


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class MariaDB(Service):
    name = "mariadb"
    needs_java = False

    def ports(self) -> dict[str, int]:
        return {"mysql": self.config.mariadb.port}

    @property
    def data_dir(self):
        return self.home / "data"

    @property
    def socket(self):
        return self.home / "mysqld.sock"

    def command(self) -> list[str]:
        cfg = self.config.mariadb
        return [
            _tool("mariadbd"),
            "--no-defaults",
            f"--user={getpass.getuser()}",
            f"--datadir={self.data_dir}",
            f"--socket={self.socket}",
            f"--pid-file={self.home / 'mysqld.pid'}",
            f"--port={cfg.port}",
            f"--bind-address={cfg.host}",
            "--skip-name-resolve",
            "--server-id=1",
            f"--log-bin={self.home / 'binlog' / 'mysql-bin'}",
            "--binlog-format=ROW",
            "--binlog-row-image=FULL",
            "--expire-logs-days=2",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
            "--innodb-buffer-pool-size=256M",
            "--max-connections=300",
        ]

    def prepare(self) -> None:
        super().prepare()
        (self.home / "binlog").mkdir(exist_ok=True)
        if (self.data_dir / "mysql").exists():
            return
        result = subprocess.run(
            [
                _tool("mariadb-install-db"),
                "--no-defaults",
                f"--user={getpass.getuser()}",
                f"--datadir={self.data_dir}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise StackError(f"mariadb: mariadb-install-db failed: {result.stderr.strip()[-300:]}")

    def admin_sql(self, statements: str, database: str | None = None) -> str:
        """Run SQL as the local administrator (the OS user, over the UNIX socket)."""
        args = [_tool("mariadb"), "--no-defaults", f"--socket={self.socket}", f"--user={getpass.getuser()}",
                "--batch", "--skip-column-names"]
        if database:
            args.append(f"--database={database}")
        result = subprocess.run(args, input=statements, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise StackError(f"mariadb: SQL failed: {result.stderr.strip()}")
        return result.stdout

    def probe(self) -> str | None:
        if not self.socket.exists():
            return "socket not there yet"
        try:
            self.admin_sql("SELECT 1")
        except (StackError, subprocess.TimeoutExpired) as exc:
            return str(exc)
        return None

    def after_healthy(self) -> None:
        cfg = self.config.mariadb
        if self.admin_sql("SELECT COUNT(*) FROM mysql.time_zone_name").strip() == "0":
            # named zones (the business zone, in Grafana's sessions) need MariaDB's zone tables
            zones = subprocess.run([_tool("mariadb-tzinfo-to-sql"), "--skip-write-binlog", "/usr/share/zoneinfo"],
                                   capture_output=True, text=True, check=True).stdout
            self.admin_sql(zones, database="mysql")
        # the tables first: a right on a table can only be granted once it exists
        for database in self.source_databases():
            self.create_source_tables(database)
        # the report database and its tables are `gmall-rt schema apply`'s, as the admin account
        self.admin_sql(f"CREATE DATABASE IF NOT EXISTS `{cfg.report_database}` DEFAULT CHARACTER SET utf8mb4")
        statements = []
        for user, password, grants in self.accounts():
            account = self.account(user)
            # an account of an older stack took any host: only the loopback address is kept
            statements += [f"DROP USER IF EXISTS {_sql_string(user)}@'%'",
                           f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY {_sql_string(password)}",
                           f"ALTER USER {account} IDENTIFIED BY {_sql_string(password)}"]
            # rights given by an older stack go first, so the account has exactly these
            statements.append(f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account}")
            statements += [f"GRANT {rights} ON {target} TO {account}" for rights, target in grants]
        self.admin_sql(";\n".join(statements) + ";\nFLUSH PRIVILEGES;")

    def source_databases(self) -> list[str]:
        """The app's source database, and the test database beside it (canal.test_database), if any."""
        return [self.config.mariadb.source_database, *filter(None, [self.config.canal.test_database])]

    def create_source_tables(self, database: str) -> None:
        """The database and the app's business tables in it, where they are missing."""
        self.admin_sql(f"CREATE DATABASE IF NOT EXISTS `{database}` DEFAULT CHARACTER SET utf8mb4")
        self.admin_sql(SOURCE_TABLES_FILE.read_text(), database=database)

    def account(self, user: str) -> str:
        """``user``'s account: at the loopback address MariaDB listens on."""
        return f"{_sql_string(user)}@{_sql_string(self.config.mariadb.host)}"

    def report_grants(self) -> list[str]:
        """GRANT statements giving each account its rights on the report database: for one made
        while the stack runs (a benchmark's, a test run's), its accounts already made."""
        report = f"`{self.config.mariadb.report_database}`.*"
        return [f"GRANT {rights} ON {target} TO {self.account(user)}"
                for user, _password, grants in self.accounts() for rights, target in grants if target == report]

    def drop_database(self, database: str) -> None:
        """Drop ``database`` and every account's rights on it: MariaDB keeps the rights on a
        database that is gone, and a new database of that name would have them."""
        holders = self.admin_sql(f"SELECT User, Host FROM mysql.db WHERE Db = {_sql_string(database)}")
        revokes = [f"REVOKE ALL PRIVILEGES ON `{database}`.* FROM {_sql_string(user)}@{_sql_string(host)};\n"
                   for user, host in (line.split("\t") for line in holders.splitlines())]
        self.admin_sql("".join(revokes) + f"DROP DATABASE IF EXISTS `{database}`;\n")

    def accounts(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """Each account the stack keeps: user, password and its grants (rights, on what), the
        least each one's work needs, on each source database alike. All are bound to the loopback
        address MariaDB listens on (:meth:`account`)."""
        cfg, canal = self.config.mariadb, self.config.canal
        report, sources = f"`{cfg.report_database}`.*", self.source_databases()
        return [
            (cfg.admin_user, cfg.admin_password, [("ALL PRIVILEGES", report)]),
            (cfg.user, cfg.password, [("SELECT, INSERT, UPDATE, DELETE", report),
                                      *[("SELECT", f"`{source}`.`user_info`") for source in sources]]),
            (cfg.reader_user, cfg.reader_password, [("SELECT", report)]),
            (cfg.source_user, cfg.source_password,
             [("SELECT, INSERT, UPDATE, DELETE", f"`{source}`.*") for source in sources]),
            # replication reads every database's binlog: those rights exist only server-wide
            (canal.user, canal.password, [("REPLICATION SLAVE, REPLICATION CLIENT, SLAVE MONITOR, BINLOG MONITOR",
                                           "*.*"), *[("SELECT", f"`{source}`.*") for source in sources]]),
        ]
