"""Rows written by Flink's HBase SQL connector read back through Phoenix (PQS + phoenixdb) with their
Phoenix types: BIGINT, INTEGER, DECIMAL, TIMESTAMP and VARCHAR.

The connector writes plain HBase bytes, Phoenix reads its own encodings; `to_phoenix`
(java/udfs, PhoenixBytes) turns each number and timestamp into Phoenix's bytes, and the Flink
column is BYTES. VARCHAR is UTF-8 in both, so it stays STRING, with 'null-string-literal' = '' so
that a NULL is an empty cell, which Phoenix reads as NULL. Phoenix also needs its empty cell `_0`
in every row. Row keys: a BIGINT key is `to_phoenix(id)` in a BYTES row key; a composite VARCHAR key
is the values joined by a zero byte, `CONCAT(a, CHR(0), b)` in a STRING row key.

Aggregates, filters and sorts run inside Phoenix, several of them on the raw bytes (MIN and MAX,
key lookups and ranges), so they prove that the encodings sort and compute like the values."""

from datetime import datetime
from decimal import Decimal

from flink_jobs.table_env import create_table_env

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1

# ID BIGINT key, QTY INTEGER, AMOUNT BIGINT, PRICE DECIMAL(10,2), TOTAL DECIMAL(16,2), TS TIMESTAMP,
# NAME VARCHAR
ROWS = [
    (1, 0, 0, Decimal("0.00"), Decimal("0"), datetime(1970, 1, 1), "零"),
    (-5, -1, -1, Decimal("-0.01"), Decimal("-0.01"), datetime(1969, 12, 31, 23, 59, 59, 999000), "negative"),
    (2, 7, 70_000_000_000, Decimal("0.01"), Decimal("1.10"), datetime(2040, 2, 29, 12, 34, 56, 789000), "小米手机"),
    (3, 42, -9_000_000_000_000, Decimal("100.00"), Decimal("100.00"), datetime(2099, 12, 31, 23, 59, 59, 1000),
     "trailing zeros"),
    (4, 1, 1, Decimal("1.10"), Decimal("12345678901234.50"), datetime(1950, 6, 15, 8, 0, 0, 500000), "half"),
    (6, -100, 12_300, Decimal("-7.00"), Decimal("12300"), datetime(2038, 1, 19, 3, 14, 8), "integer-valued"),
    (7, 5, -12_300, Decimal("5"), Decimal("-12300.00"), datetime(2038, 1, 19, 3, 14, 7, 999000), "year 2038"),
    (BIGINT_MAX, INT_MAX, BIGINT_MAX, Decimal("99999999.99"), Decimal("99999999999999.99"),
     datetime(9999, 12, 31, 23, 59, 59, 999000), "maxima"),
    (BIGINT_MIN, INT_MIN, BIGINT_MIN, Decimal("-99999999.99"), Decimal("-99999999999999.99"),
     datetime(1, 1, 1), "minima"),
    (8, None, None, None, None, None, None),
]


def _literal(value) -> str:
    """A value as a string literal, NULL as '' (the query casts them back): with anything but plain
    literals, Flink plans VALUES as one branch per row, and the job then needs more network buffers
    than the shared session cluster may have free."""
    if value is None:
        return "''"
    if isinstance(value, datetime):
        value = value.isoformat(sep=" ", timespec="milliseconds")
    return f"'{value}'"


def _phoenix_table(cursor, name: str, columns: str) -> None:
    cursor.execute(f'CREATE TABLE "{name}" ({columns}) COLUMN_ENCODED_BYTES = 0')


def _rows(cursor, sql: str, *parameters) -> list[list]:
    cursor.execute(sql, parameters or None)
    return cursor.fetchall()


def _table_env(config):
    t_env = create_table_env(config, streaming=False, target="remote")
    t_env.execute_sql(
        "CREATE TEMPORARY SYSTEM FUNCTION to_phoenix AS 'com.gmall.realtime.udf.PhoenixBytes' LANGUAGE JAVA")
    return t_env


def _hbase_sink(t_env, config, flink_name: str, table: str, columns: str) -> None:
    t_env.execute_sql(f"""
        CREATE TEMPORARY TABLE {flink_name} ({columns}, PRIMARY KEY (rowkey) NOT ENFORCED)
        WITH ('connector' = 'hbase-2.2', 'table-name' = '{table}',
              'zookeeper.quorum' = '{config.hbase.zookeeper_quorum}', 'null-string-literal' = '')""")


def test_flink_hbase_rows_read_back_through_phoenix_with_phoenix_types(config, stack, unique):
    table = f"SMOKE_{unique.upper()}"
    phoenix = stack.service("phoenix-queryserver").connect()
    cursor = phoenix.cursor()
    _phoenix_table(cursor, table, '"ID" BIGINT NOT NULL PRIMARY KEY, "F"."QTY" INTEGER, "F"."AMOUNT" BIGINT,'
                   ' "F"."PRICE" DECIMAL(10, 2), "F"."TOTAL" DECIMAL(16, 2), "F"."TS" TIMESTAMP, "F"."NAME" VARCHAR')
    try:
        t_env = _table_env(config)
        _hbase_sink(t_env, config, "hbase_sink", table,
                    "rowkey BYTES, F ROW<QTY BYTES, AMOUNT BYTES, PRICE BYTES, TOTAL BYTES, TS BYTES, NAME STRING,"
                    " `_0` STRING>")
        values = ", ".join(f"({', '.join(_literal(value) for value in row)})" for row in ROWS)
        # TOTAL goes in as DECIMAL(38, 2), the type of a SUM: to_phoenix takes any precision
        t_env.execute_sql(f"""
            INSERT INTO hbase_sink
            SELECT to_phoenix(CAST(id AS BIGINT)),
                   ROW(to_phoenix(CAST(NULLIF(qty, '') AS INT)), to_phoenix(CAST(NULLIF(amount, '') AS BIGINT)),
                       to_phoenix(CAST(NULLIF(price, '') AS DECIMAL(10, 2))),
                       to_phoenix(CAST(NULLIF(total, '') AS DECIMAL(38, 2))),
                       to_phoenix(CAST(NULLIF(ts, '') AS TIMESTAMP(3))), NULLIF(name, ''), '')
            FROM (VALUES {values}) AS t(id, qty, amount, price, total, ts, name)""").wait()

        # every value exactly, in key order (Phoenix scans the keys in their byte order, no sort)
        columns = '"ID", "QTY", "AMOUNT", "PRICE", "TOTAL", "TS", "NAME"'
        assert _rows(cursor, f'SELECT {columns} FROM "{table}" ORDER BY "ID"') == [
            list(row) for row in sorted(ROWS, key=lambda row: row[0])
        ]
        # point lookups and a range scan on the BIGINT key: Phoenix encodes the literal and seeks to it
        for key, *_, name in ROWS:
            assert _rows(cursor, f'SELECT "NAME" FROM "{table}" WHERE "ID" = ?', key) == [[name]]
        assert _rows(cursor, f'SELECT "ID" FROM "{table}" WHERE "ID" BETWEEN -5 AND 3') == [[-5], [1], [2], [3]]

        present = [row for row in ROWS if row[1] is not None]
        assert _rows(
            cursor,
            f'SELECT SUM("PRICE"), SUM("TOTAL"), MIN("AMOUNT"), MAX("AMOUNT"), MIN("QTY"), MAX("QTY"),'
            f' MIN("PRICE"), MAX("PRICE"), MIN("TS"), MAX("TS"), COUNT(*), COUNT("PRICE") FROM "{table}"',
        ) == [[
            sum(row[3] for row in present), sum(row[4] for row in present),
            BIGINT_MIN, BIGINT_MAX, INT_MIN, INT_MAX,
            Decimal("-99999999.99"), Decimal("99999999.99"),
            datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999000),
            len(ROWS), len(present),
        ]]
        inner = [row for row in present if INT_MIN < row[1] < INT_MAX]
        assert _rows(
            cursor,
            f'SELECT MIN("AMOUNT"), MAX("AMOUNT"), SUM("AMOUNT"), SUM("QTY"), MIN("TOTAL"), MAX("TOTAL")'
            f' FROM "{table}" WHERE "QTY" > ? AND "QTY" < ?', INT_MIN, INT_MAX,
        ) == [[
            min(row[2] for row in inner), max(row[2] for row in inner), sum(row[2] for row in inner),
            sum(row[1] for row in inner), min(row[4] for row in inner), max(row[4] for row in inner),
        ]]
        # a TIMESTAMP range, as parameters and as literals (both are wall-clock times read as GMT)
        start, end = datetime(1969, 12, 31, 23, 59, 59, 999000), datetime(2038, 1, 19, 3, 14, 8)
        in_range = sorted(row[0] for row in present if start <= row[5] < end)
        assert in_range == [-5, 1, 7]
        assert _rows(cursor, f'SELECT "ID" FROM "{table}" WHERE "TS" >= ? AND "TS" < ? ORDER BY "ID"',
                     start, end) == [[key] for key in in_range]
        assert _rows(cursor, f'SELECT "ID" FROM "{table}" WHERE "TS" >= TIMESTAMP \'1969-12-31 23:59:59.999\''
                             f' AND "TS" < TIMESTAMP \'2038-01-19 03:14:08\' ORDER BY "ID"') == [
            [key] for key in in_range
        ]
        # sorting by each DECIMAL, with the NULL row last
        for position, column in ((3, "PRICE"), (4, "TOTAL")):
            expected = [row[0] for row in sorted(present, key=lambda row: (row[position], row[0]))] + [8]
            assert _rows(cursor, f'SELECT "ID" FROM "{table}" ORDER BY "{column}" NULLS LAST, "ID"') == [
                [key] for key in expected
            ]
        assert _rows(cursor, f'SELECT "ID" FROM "{table}" WHERE "PRICE" IS NULL AND "NAME" IS NULL'
                             f' AND "TS" IS NULL AND "QTY" IS NULL') == [[8]]
    finally:
        cursor.execute(f'DROP TABLE "{table}"')
        cursor.close()
        phoenix.close()


# LOGDATE, MID (the composite key), LOGHOUR INTEGER, TS BIGINT: the layout of GMALL_DAU
DAU_ROWS = [
    ("2025-11-21", "mid_1", 0, 1763654400000),
    ("2025-11-21", "mid_10", 23, 1763737199999),
    ("2025-11-21", "mid_2", 9, 1763686800000),
    ("2025-11-20", "设备_7", 12, 1763611200000),
    ("2025-11-20", "mid_1", 8, -1),
]


def test_composite_varchar_key_joined_by_a_zero_byte_reads_as_phoenix_key(config, stack, unique):
    table = f"SMOKE_{unique.upper()}_DAU"
    phoenix = stack.service("phoenix-queryserver").connect()
    cursor = phoenix.cursor()
    _phoenix_table(cursor, table, '"LOGDATE" VARCHAR NOT NULL, "MID" VARCHAR NOT NULL, "F"."LOGHOUR" INTEGER,'
                   ' "F"."TS" BIGINT CONSTRAINT PK PRIMARY KEY ("LOGDATE", "MID")')
    try:
        t_env = _table_env(config)
        _hbase_sink(t_env, config, "hbase_dau_sink", table,
                    "rowkey STRING, F ROW<LOGHOUR BYTES, TS BYTES, `_0` STRING>")
        values = ", ".join(f"({', '.join(_literal(value) for value in row)})" for row in DAU_ROWS)
        t_env.execute_sql(f"""
            INSERT INTO hbase_dau_sink
            SELECT CONCAT(logdate, CHR(0), mid),
                   ROW(to_phoenix(CAST(loghour AS INT)), to_phoenix(CAST(ts AS BIGINT)), '')
            FROM (VALUES {values}) AS t(logdate, mid, loghour, ts)""").wait()

        assert _rows(cursor, f'SELECT "LOGDATE", "MID", "LOGHOUR", "TS" FROM "{table}"') == [
            list(row) for row in sorted(DAU_ROWS, key=lambda row: (row[0], row[1]))
        ]
        for day, mid, hour, ts in DAU_ROWS:
            assert _rows(cursor, f'SELECT "LOGHOUR", "TS" FROM "{table}" WHERE "LOGDATE" = ? AND "MID" = ?',
                         day, mid) == [[hour, ts]]
        assert _rows(cursor, f'SELECT "LOGHOUR", COUNT(*), MIN("TS") FROM "{table}" WHERE "LOGDATE" = ?'
                             f' GROUP BY "LOGHOUR" ORDER BY "LOGHOUR"', "2025-11-21") == [
            [hour, 1, ts] for hour, ts in sorted((row[2], row[3]) for row in DAU_ROWS if row[0] == "2025-11-21")
        ]
    finally:
        cursor.execute(f'DROP TABLE "{table}"')
        cursor.close()
        phoenix.close()
