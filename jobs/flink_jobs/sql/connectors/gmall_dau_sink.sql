-- HBase table hbase.dau_table (GMALL_DAU), laid out as the Phoenix table of
-- gmall_rt/schema/phoenix/gmall_dau.sql: the row key is LOGDATE, a zero byte, MID (Phoenix's
-- composite VARCHAR key); numbers are in Phoenix's encoding (to_phoenix); `_0` is the empty cell
-- Phoenix expects in every row.
CREATE TABLE gmall_dau_sink (
  rowkey STRING,
  F ROW<UID STRING, APPID STRING, AREA STRING, OS STRING, CH STRING, VS STRING,
        LOGHOUR BYTES, TS BYTES, `_0` STRING>,
  PRIMARY KEY (rowkey) NOT ENFORCED
) WITH (
  'connector' = 'hbase-2.2',
  'table-name' = '{{ hbase_dau_table }}',
  'zookeeper.quorum' = '{{ hbase_zookeeper_quorum }}',
  'null-string-literal' = '',
  'sink.buffer-flush.max-rows' = '10000',
  'sink.buffer-flush.max-size' = '16mb',
  'sink.buffer-flush.interval' = '1s'
);
