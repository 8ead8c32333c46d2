"""`gmall-rt sql`: the init script registers every job's tables, once each, with the session's
settings and the jobs' functions; every ad-hoc query file has its end-to-end check."""

import dataclasses
import importlib.util
import os
import re
import stat
from pathlib import Path

import pytest

from flink_jobs import jobs
from gmall_rt import sql_client

E2E_TEST = Path(__file__).parent.parent / "e2e" / "test_adhoc_queries.py"
SECRET = "s3cret-for-the-test"


@pytest.fixture
def client_config(config):
    return dataclasses.replace(config, mariadb=dataclasses.replace(config.mariadb, password=SECRET))


def in_state_dir(config, state_dir):
    """``config`` with its local stack, and so its Flink home, in ``state_dir``."""
    return dataclasses.replace(config, stack=dataclasses.replace(config.stack, state_dir=str(state_dir)))


def created_tables(script: str) -> list[str]:
    return [name for stmt in jobs.statements(script) if (name := sql_client.table_name(stmt))]


def options(statement: str) -> dict[str, str]:
    return dict(re.findall(r"'([^']+)'\s*=\s*'([^']*)'", statement))


def test_the_init_script_creates_every_table_of_every_job_once(client_config):
    script = sql_client.init_script(client_config)
    tables = created_tables(script)
    assert len(tables) == len(set(tables))
    for name in jobs.JOB_NAMES:
        job = jobs.get(name)
        for stmt in jobs.table_ddl(job, jobs.sql_parameters(client_config, job)):
            assert sql_client.table_name(stmt) in tables, (name, stmt[:80])
    assert {"db_order_info", "db_order_detail", "db_user_info", "dead_letter_sink"} <= set(tables)


def test_the_init_script_sets_the_session_and_creates_the_functions(client_config):
    script = sql_client.init_script(client_config)
    assert f"SET 'table.local-time-zone' = '{client_config.time.zone}';" in script
    assert "SET 'sql-client.execution.result-mode' = 'tableau';" in script
    assert "SET 'execution.target' = 'remote';" in script
    assert f"SET 'rest.port' = '{client_config.flink.rest_port}';" in script
    for stmt in jobs.statements(jobs.FUNCTIONS_FILE.read_text()):
        assert stmt in script
    # functions first: the tables' computed columns call parse_app_log
    assert script.index("parse_app_log AS") < script.index("CREATE TABLE")
    # no query or insert: the SQL client refuses them in an init script
    assert not re.search(r"^\s*(SELECT|INSERT)\b", script, re.IGNORECASE | re.MULTILINE)


def test_kafka_tables_are_read_from_the_start_under_the_clients_own_group(client_config):
    job_groups = {jobs.get(name).pipeline_name(client_config) for name in jobs.JOB_NAMES}
    kafka = [options(stmt) for stmt in sql_client.table_statements(client_config)
             if options(stmt).get("connector") == "kafka"]
    assert kafka
    for opts in kafka:
        if "properties.group.id" in opts:
            assert opts["properties.group.id"].startswith(sql_client.CLIENT_NAME)
            assert not any(opts["properties.group.id"].startswith(group) for group in job_groups)
            assert opts["scan.startup.mode"] == "earliest-offset"


def test_the_password_is_in_the_script_and_masked_when_printed(client_config, capsys, monkeypatch):
    assert SECRET in sql_client.init_script(client_config)
    monkeypatch.setattr(sql_client.config_module, "load", lambda path=None: client_config)
    args = type("Args", (), {"config": None, "print_init": True, "file": None})()
    assert sql_client.cmd_sql(args) == 0
    printed = capsys.readouterr().out
    assert SECRET not in printed
    assert "'password' = '(set)'" in printed
    assert "CREATE TABLE db_order_info" in printed


def test_the_init_file_is_private_and_removed(client_config, monkeypatch, tmp_path):
    seen = {}

    def fake_run_file(command, environment, sql_file):
        init = Path(command[command.index("-i") + 1])
        seen["mode"] = stat.S_IMODE(init.stat().st_mode)
        seen["dir_mode"] = stat.S_IMODE(init.parent.stat().st_mode)
        seen["init"] = init
        seen["text"] = init.read_text()
        seen["env"] = environment
        return 0

    monkeypatch.setattr(sql_client, "client_environment", lambda config: {"FLINK_HOME": "x"})
    monkeypatch.setattr(sql_client, "check_cluster", lambda config: None)
    monkeypatch.setattr(sql_client, "_run_file", fake_run_file)
    query = tmp_path / "q.sql"
    query.write_text("SELECT 1;\n")
    assert sql_client.run(client_config, query) == 0
    assert seen["mode"] == 0o600 and seen["dir_mode"] == 0o700
    assert SECRET in seen["text"]
    assert not seen["init"].exists()
    assert "FLINK_CONF_DIR" not in os.environ or os.environ["FLINK_CONF_DIR"] != "x"


def test_a_failed_statement_is_one_clear_error_though_the_client_exits_with_0(tmp_path, capsys):
    # what the SQL client prints when a statement of a file fails (it stops there, status 0)
    output = ("Flink SQL> \x1b[31;1m[ERROR] Could not execute SQL statement. Reason:\n"
              "org.apache.calcite.sql.validate.SqlValidatorException: Column 'nope' not found\x1b[0m\n")
    printer = tmp_path / "out.txt"
    printer.write_text(output)
    with pytest.raises(sql_client.ConfigError) as raised:
        sql_client._run_file(["cat", str(printer)], dict(os.environ), Path("q.sql"))
    assert str(raised.value) == ("q.sql: Could not execute SQL statement. Reason: "
                                 "org.apache.calcite.sql.validate.SqlValidatorException: Column 'nope' not found")
    assert "Column 'nope'" in capsys.readouterr().out  # the client's output is passed through


def test_a_missing_file_is_one_clear_error(client_config, tmp_path):
    with pytest.raises(sql_client.ConfigError, match="no SQL file"):
        sql_client.run(client_config, tmp_path / "nope.sql")


def test_the_client_runs_with_the_local_flink_home_in_its_environment_only(client_config, tmp_path):
    from gmall_rt.stack import flink

    client_config = in_state_dir(client_config, tmp_path)
    home = tmp_path / "flink"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "config.yaml").write_text("")
    (home / "lib").mkdir()
    (home / "lib" / "flink-connector-jdbc-3.3.0-1.20.jar").write_text("")
    opt = home / "opt"
    opt.mkdir()
    (opt / f"{sql_client.GATEWAY_ARTIFACT}-{sql_client.pinned_flink_version()}.jar").write_text("")
    before = dict(os.environ)
    env = sql_client.client_environment(client_config)
    assert env["FLINK_HOME"] == str(flink.PYFLINK_HOME)
    assert env["FLINK_CONF_DIR"] == str(home / "conf")
    assert env["FLINK_LIB_DIR"] == str(home / "lib")
    assert env["FLINK_OPT_DIR"] == str(opt)
    assert (opt / "flink-sql-client-1.20.5.jar").resolve().is_file()
    assert dict(os.environ) == before


def test_a_stack_without_connectors_is_one_clear_error(client_config, tmp_path):
    client_config = in_state_dir(client_config, tmp_path)
    home = tmp_path / "flink"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "config.yaml").write_text("")
    (home / "lib").mkdir()
    with pytest.raises(sql_client.ConfigError, match="gmall-rt stack up"):
        sql_client.client_environment(client_config)


def test_the_client_command_runs_embedded_with_the_init_script():
    command = sql_client.client_command(Path("/p/init.sql"), Path("/q.sql"))
    assert command[1].endswith("bin/sql-client.sh")
    assert command[2:] == ["embedded", "-i", "/p/init.sql", "-f", "/q.sql"]


# ---------------------------------------------------------------------------------------------
# The ad-hoc queries


def e2e_module():
    spec = importlib.util.spec_from_file_location("adhoc_e2e", E2E_TEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_adhoc_file_has_its_end_to_end_check():
    files = {path.name for path in sql_client.ADHOC_DIR.glob("*.sql")}
    assert files, "no ad-hoc queries"
    assert set(e2e_module().CHECKS) == files


@pytest.mark.parametrize("path", sorted(sql_client.ADHOC_DIR.glob("*.sql")), ids=lambda p: p.name)
def test_every_adhoc_file_says_what_it_answers_and_ends(path):
    text = path.read_text()
    assert text.startswith("-- "), "a comment header saying what the query answers"
    # bounded: batch mode, and Kafka tables read up to the offsets of the moment
    assert "SET 'execution.runtime-mode' = 'batch';" in text
    kafka_tables = {"start_log_source", "event_log_source", "dead_letter_sink", "order_info_messages",
                    "order_detail_messages", "user_info_messages"}
    for table in kafka_tables:
        for match in re.finditer(rf"\b{table}\b(.*)", text):
            assert "'scan.bounded.mode' = 'latest-offset'" in match.group(1), (table, match.group(0))


def test_the_tableau_output_is_parsed_as_the_client_prints_it():
    output = (
        "Flink SQL> \n> SELECT\n>   order_status,\n>   SUM(total_amount)+--------------+--------+\n"
        "| order_status | orders |\n+--------------+--------+\n"
        "|         1002 |    777 |\n|       <NULL> |      3 |\n+--------------+--------+\n"
        "2 rows in set (24.14 seconds)\n\nFlink SQL> \x1b[31;1mEmpty set\x1b[0m\n"
    )
    assert e2e_module().parse_tableau(output) == [
        [{"order_status": "1002", "orders": "777"}, {"order_status": None, "orders": "3"}], []]
