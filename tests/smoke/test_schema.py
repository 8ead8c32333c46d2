"""`gmall-rt schema apply` on the running stack: everything the jobs write to exists afterwards,
applying it again changes nothing, and a refused admin login is one line and a non-zero exit."""

import os
import subprocess
import sys

from gmall_rt import clients, schema

GMALL_RT = [sys.executable, "-m", "gmall_rt.cli"]


def schema_objects(config):
    with clients.mariadb(config, config.mariadb.report_database) as conn, conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, CREATE_TIME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
                    (config.mariadb.report_database,))
        tables = dict(cur.fetchall())
    with clients.phoenix(config) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT DISTINCT TABLE_NAME FROM SYSTEM.CATALOG WHERE TABLE_SCHEM IS NULL")
        phoenix_tables = {row[0] for row in cursor.fetchall()}
        cursor.close()
    templates = {name: clients.elasticsearch(config).indices.get_index_template(name=name)["index_templates"][0]
                 for name in schema.index_templates(config)}
    return tables, phoenix_tables, templates


def test_apply_creates_what_the_jobs_write_to_and_again_changes_nothing(config, stack):
    first = subprocess.run([*GMALL_RT, "schema", "apply"], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    tables, phoenix_tables, templates = schema_objects(config)
    assert {"dau_hour", "gmv_hour", "reconciliation"} <= set(tables)
    assert {config.hbase.dau_table, config.hbase.order_info_table} <= phoenix_tables
    for name, template in templates.items():
        wanted = schema.index_templates(config)[name]
        assert template["index_template"]["index_patterns"] == wanted["index_patterns"] == [f"{name}-*"]
    again = subprocess.run([*GMALL_RT, "schema", "apply"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and again.stdout == first.stdout, again.stderr
    assert schema_objects(config)[:2] == (tables, phoenix_tables)  # not created again


def test_a_refused_admin_login_is_one_line_and_exit_1(stack):
    environment = {**os.environ, "GMALL_MARIADB_ADMIN_PASSWORD": "not-the-password"}
    result = subprocess.run([*GMALL_RT, "schema", "apply"], capture_output=True, text=True, timeout=120,
                            env=environment)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gmall-rt: error: schema: could not apply the MariaDB tables"), lines
