"""A row written by Flink's HBase SQL connector is read back through Phoenix (PQS + phoenixdb).

Phoenix stores INTEGER and BIGINT with the sign bit flipped (so that bytes sort like numbers), while
the Flink connector writes Java's two's complement; adding MIN_VALUE with wrap-around flips exactly
that bit. Decimals travel as their exact text (VARCHAR) and Phoenix's TO_NUMBER reads them."""

from decimal import Decimal

from flink_jobs.table_env import create_table_env

ROWS = [
    # rowkey, name, quantity INT, amount BIGINT, price DECIMAL(10,2)
    ("r1", "小米手机", 7, 70_000_000_000, "7.07"),
    ("r2", "negative", -42, -9_000_000_000_000, "-0.50"),
    ("r3", "extremes", 2147483647, -9223372036854775808, "99999999.99"),
]


def test_flink_hbase_row_reads_back_through_phoenix_with_numbers_intact(config, stack, unique):
    table = f"SMOKE_{unique.upper()}"
    phoenix = stack.service("phoenix-queryserver").connect()
    cursor = phoenix.cursor()
    cursor.execute(
        f'CREATE TABLE "{table}" ("ROWKEY" VARCHAR PRIMARY KEY, "F"."NAME" VARCHAR, "F"."QTY" INTEGER,'
        f' "F"."AMOUNT" BIGINT, "F"."PRICE" VARCHAR) COLUMN_ENCODED_BYTES = 0'
    )
    try:
        t_env = create_table_env(config, streaming=False, remote=True)
        t_env.execute_sql(f"""
            CREATE TABLE hbase_sink (
              rowkey STRING,
              F ROW<NAME STRING, QTY INT, AMOUNT BIGINT, PRICE STRING, `_0` STRING>,
              PRIMARY KEY (rowkey) NOT ENFORCED
            ) WITH ('connector' = 'hbase-2.2', 'table-name' = '{table}',
                    'zookeeper.quorum' = '{config.hbase.zookeeper_quorum}')""")
        values = ", ".join(
            f"('{key}', '{name}', {qty}, CAST({amount} AS BIGINT), CAST({price} AS DECIMAL(10,2)))"
            for key, name, qty, amount, price in ROWS
        )
        t_env.execute_sql(f"""
            INSERT INTO hbase_sink
            SELECT rowkey, ROW(name,
                               qty + CAST(-2147483648 AS INT),
                               amount + CAST(-9223372036854775807 - 1 AS BIGINT),
                               CAST(price AS STRING),
                               '')
            FROM (VALUES {values}) AS t(rowkey, name, qty, amount, price)""").wait()

        cursor.execute(f'SELECT "ROWKEY", "NAME", "QTY", "AMOUNT", TO_NUMBER("PRICE") FROM "{table}" ORDER BY "ROWKEY"')
        assert cursor.fetchall() == [
            [key, name, qty, amount, Decimal(price)] for key, name, qty, amount, price in ROWS
        ]
        cursor.execute(f'SELECT SUM("QTY"), MIN("AMOUNT") FROM "{table}" WHERE "QTY" < 100')
        small = [row for row in ROWS if row[2] < 100]
        assert cursor.fetchall() == [[sum(row[2] for row in small), min(row[3] for row in small)]]
    finally:
        cursor.execute(f'DROP TABLE "{table}"')
        cursor.close()
        phoenix.close()
