-- The report tables, read by Grafana: the hourly ones the DAU and GMV jobs upsert into, and the
-- checks `gmall-rt reconcile` keeps.
-- Created in the configured report database (mariadb.report_database, default gmall_report).

CREATE TABLE IF NOT EXISTS dau_hour (
  dt  DATE    NOT NULL,
  hr  TINYINT NOT NULL,
  dau BIGINT  NOT NULL,
  PRIMARY KEY (dt, hr)
);

CREATE TABLE IF NOT EXISTS gmv_hour (
  dt          DATE          NOT NULL,
  hr          TINYINT       NOT NULL,
  gmv         DECIMAL(16,2) NOT NULL,
  order_count BIGINT        NOT NULL,
  PRIMARY KEY (dt, hr)
);

-- `gmall-rt reconcile`: every check of a day, one row per output and hour, clean hours too.
-- checked_at is the business time zone's local time; expected and actual are the hour's measure
-- recomputed from the topics and source tables, and as the output holds it (dau_hour: devices,
-- gmv_hour: GMV, the others: rows or documents); missing, extra and changed count the keys the
-- output misses, holds beyond the expected ones, and holds with another value or hour.
CREATE TABLE IF NOT EXISTS reconciliation (
  checked_at  DATETIME(3)   NOT NULL,
  dt          DATE          NOT NULL,
  output_name VARCHAR(32)   NOT NULL,
  hr          TINYINT       NOT NULL,
  expected    DECIMAL(18,2) NOT NULL,
  actual      DECIMAL(18,2) NOT NULL,
  missing     BIGINT        NOT NULL,
  extra       BIGINT        NOT NULL,
  changed     BIGINT        NOT NULL,
  PRIMARY KEY (checked_at, dt, output_name, hr),
  KEY by_day (dt, output_name, checked_at)
);
