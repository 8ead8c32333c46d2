-- One row per business day and device: the device's first start log of that day (hbase.dau_table).
CREATE TABLE IF NOT EXISTS {{ hbase_dau_table }} (
  LOGDATE   VARCHAR NOT NULL,
  MID       VARCHAR NOT NULL,
  F.UID     VARCHAR,
  F.APPID   VARCHAR,
  F.AREA    VARCHAR,
  F.OS      VARCHAR,
  F.CH      VARCHAR,
  F.VS      VARCHAR,
  F.LOGHOUR INTEGER,
  F.TS      BIGINT,
  CONSTRAINT PK PRIMARY KEY (LOGDATE, MID)
) COLUMN_ENCODED_BYTES = 0
