-- Hourly report tables the DAU and GMV jobs upsert into, read by Grafana.
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
