"""An upsert through the Flink JDBC connector, on the session cluster, as the jobs' account (rows
only: the table is the admin's to create), read back with PyMySQL."""

from gmall_rt import clients
from flink_jobs.table_env import create_table_env


def test_jdbc_upsert_replaces_the_row_with_the_same_key(config, stack, unique):
    table = f"smoke_upsert_{unique}"
    report = config.mariadb.report_database
    with clients.mariadb_admin(config) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {report}.{table} (id BIGINT PRIMARY KEY, name VARCHAR(20), amount DECIMAL(10,2))")
    try:
        t_env = create_table_env(config, streaming=False, target="remote")
        cfg = config.mariadb
        t_env.execute_sql(f"""
            CREATE TABLE sink (id BIGINT, name STRING, amount DECIMAL(10,2), PRIMARY KEY (id) NOT ENFORCED)
            WITH ('connector' = 'jdbc',
                  'url' = 'jdbc:mysql://{cfg.host}:{cfg.port}/{cfg.report_database}',
                  'table-name' = '{table}', 'username' = '{cfg.user}', 'password' = '{cfg.password}')
        """)
        t_env.execute_sql("INSERT INTO sink VALUES (1, 'first', 10.50), (2, 'other', 3.00)").wait()
        t_env.execute_sql("INSERT INTO sink VALUES (1, 'second', 99.99)").wait()

        with clients.mariadb(config, cfg.report_database) as conn, conn.cursor() as cur:
            cur.execute(f"SELECT id, name, CAST(amount AS CHAR) FROM {table} ORDER BY id")
            assert cur.fetchall() == ((1, "second", "99.99"), (2, "other", "3.00"))
    finally:
        with clients.mariadb_admin(config) as conn, conn.cursor() as cur:
            cur.execute(f"DROP TABLE {report}.{table}")
