"""Least privilege on the running stack: each MariaDB account has the rights its work needs and no
more, takes connections from the loopback address only, and every socket a service of the stack
listens on is a loopback address (read from the kernel's tables, ZooKeeper's admin server and
every JVM's ports included)."""

import ipaddress
import os
import re
from pathlib import Path

import pymysql
import pytest

from benchmarks.harness import BENCH_REPORT_DATABASE
from gmall_rt.stack.manager import process_tree


def grants(stack, user, host):
    text = stack.service("mariadb").admin_sql(f"SHOW GRANTS FOR '{user}'@'{host}'")
    found = set()
    for line in text.splitlines():
        match = re.match(r"GRANT (.+) ON (\S+) TO ", line)
        if match and match.group(1) != "USAGE":
            rights = frozenset(right.strip() for right in match.group(1).split(","))
            found.add((rights, match.group(2).replace("`", "")))
    return found


def rights(text):
    return frozenset(right.strip() for right in text.split(","))


def source_databases(config):
    """The app's source database and the test database beside it (canal.test_database), if any:
    each account has the same rights on both."""
    return [config.mariadb.source_database, *filter(None, [config.canal.test_database])]


def expected_grants(config):
    db = config.mariadb
    report, sources = f"{db.report_database}.*", source_databases(config)
    return {
        db.admin_user: {(rights("ALL PRIVILEGES"), report)},
        db.user: {(rights("SELECT, INSERT, UPDATE, DELETE"), report),
                  *{(rights("SELECT"), f"{source}.user_info") for source in sources}},
        db.reader_user: {(rights("SELECT"), report)},
        db.source_user: {(rights("SELECT, INSERT, UPDATE, DELETE"), f"{source}.*") for source in sources},
        # MariaDB 10.11 names REPLICATION CLIENT BINLOG MONITOR
        config.canal.user: {(rights("REPLICATION SLAVE, SLAVE MONITOR, BINLOG MONITOR"), "*.*"),
                            *{(rights("SELECT"), f"{source}.*") for source in sources}},
    }


def test_each_account_has_only_the_rights_of_its_work(config, stack):
    report = f"{config.mariadb.report_database}.*"
    for user, wanted in expected_grants(config).items():
        got = grants(stack, user, config.mariadb.host)
        # a test run's report database (testkit.isolation, <run>_gmall_report) while the run lasts,
        # and the benchmarks' (kept between measurements): granted what the app's report database
        # is, no more
        runs = {(privileges, on) for privileges, on in got
                if on != report and (on.endswith(f"_{report}") or on == f"{BENCH_REPORT_DATABASE}.*")}
        assert {privileges for privileges, _on in runs} <= {privileges for privileges, on in wanted if on == report}, user
        assert got - runs == wanted, user


def test_accounts_take_connections_from_the_loopback_address_only(config, stack):
    rows = stack.service("mariadb").admin_sql("SELECT User, Host FROM mysql.user WHERE User <> ''")
    hosts = {tuple(line.split("\t")) for line in rows.splitlines()}
    ours = {user for user in expected_grants(config)}
    assert {host for user, host in hosts if user in ours} == {config.mariadb.host}
    assert ipaddress.ip_address(config.mariadb.host).is_loopback


def connect(config, user, password, database):
    return pymysql.connect(host=config.mariadb.host, port=config.mariadb.port, user=user, password=password,
                           database=database, autocommit=True)


@pytest.mark.parametrize("who, database, statement", [
    ("jobs", "report", "CREATE TABLE no_ddl_for_jobs (x INT)"),
    ("jobs", "source", "SELECT COUNT(*) FROM order_info"),
    ("jobs", "test", "SELECT COUNT(*) FROM order_info"),
    ("reader", "report", "DELETE FROM dau_hour"),
    ("reader", "test", "SELECT COUNT(*) FROM user_info"),
    ("app", "report", "SELECT COUNT(*) FROM dau_hour"),
    ("app", "test", "DROP TABLE order_info"),
])
def test_an_account_is_refused_what_is_not_its_work(config, stack, who, database, statement):
    db = config.mariadb
    if database == "test" and not config.canal.test_database:
        pytest.skip("no test database (canal.test_database) configured")
    user, password = {"jobs": (db.user, db.password), "reader": (db.reader_user, db.reader_password),
                      "app": (db.source_user, db.source_password)}[who]
    name = {"report": db.report_database, "source": db.source_database, "test": config.canal.test_database}[database]
    # refused at USE when the account has no right in the database at all, else at the statement
    try:
        connection = connect(config, user, password, None)
    except pymysql.OperationalError as exc:
        pytest.fail(f"{user} cannot log in: {exc}")
    with connection, connection.cursor() as cursor:
        with pytest.raises(pymysql.err.OperationalError, match=r"\((1044|1142|1143),"):
            cursor.execute(f"USE `{name}`")
            cursor.execute(statement)


def listening_sockets() -> dict[str, list[str]]:
    """Every listening TCP socket and bound UDP socket of the machine: inode -> local addresses."""
    found: dict[str, list[str]] = {}
    for table, family in (("tcp", 4), ("tcp6", 6), ("udp", 4), ("udp6", 6)):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if (table.startswith("tcp") and state != "0A") or (table.startswith("udp") and state != "07"):
                continue
            found.setdefault(inode, []).append(_address(local.split(":")[0], family))
    return found


def _address(hex_address: str, family: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    raw = bytes.fromhex(hex_address)
    if family == 4:
        return ipaddress.IPv4Address(raw[::-1])
    # /proc writes an IPv6 address as four 32-bit words, each in host (little-endian) order
    return ipaddress.IPv6Address(b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
    except OSError:
        pass
    return inodes


def is_loopback(address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def test_every_socket_the_stack_listens_on_is_a_loopback_address(stack):
    listening = listening_sockets()
    seen = {}
    for service in stack.services:
        pid = stack.supervisor.pid(service.name)
        assert pid, f"{service.name} is not running"
        for process in process_tree(pid):
            for inode in socket_inodes(process) & set(listening):
                seen.setdefault(service.name, []).extend(listening[inode])
    exposed = {name: [str(a) for a in addresses if not is_loopback(a)] for name, addresses in seen.items()}
    assert {name: addresses for name, addresses in exposed.items() if addresses} == {}
    # the read found the services' ports: an empty result would prove nothing
    assert {"mariadb", "kafka", "redis", "elasticsearch", "hbase", "flink-jobmanager"} <= set(seen)
