-- HBase table hbase.order_info_table (GMALL_ORDER_INFO), laid out as the Phoenix table of
-- gmall_rt/schema/phoenix/gmall_order_info.sql: the row key and every non-text column are in Phoenix's
-- encoding (to_phoenix); `_0` is the empty cell Phoenix expects in every row.
-- Every write of an order carries one cell version, its create_time: an update overwrites the
-- cells in place, so deleting them leaves no older version behind (the connector deletes only
-- the newest version of each cell, and an older one would reappear). An order deleted and then
-- created again with the same id and create_time would meet its own delete marker and stay
-- hidden: give a re-created order a new create_time.
-- No primary key, on purpose: the row key is to_phoenix(id), which the planner cannot see is
-- the changelog's key, and with a key it would send each update as a delete of the old row and
-- a put of the new one. The delete marker carries the same version as the put, so when a flush
-- of the connector's buffer falls between the two, the marker hides the updated order. Without
-- a key, an update arrives as one put (the GMV job keeps this path apart; see flink_jobs/gmv.py).
CREATE TABLE gmall_order_info_sink (
  rowkey BYTES,
  F ROW<
    CONSIGNEE STRING, CONSIGNEE_TEL STRING, TOTAL_AMOUNT BYTES, ORDER_STATUS STRING,
    USER_ID BYTES, PAYMENT_WAY STRING, DELIVERY_ADDRESS STRING, ORDER_COMMENT STRING,
    OUT_TRADE_NO STRING, TRADE_BODY STRING, CREATE_TIME BYTES, OPERATE_TIME BYTES,
    EXPIRE_TIME BYTES, TRACKING_NO STRING, PARENT_ORDER_ID BYTES, IMG_URL STRING,
    PROVINCE_ID BYTES, CREATE_DATE STRING, CREATE_HOUR BYTES, `_0` STRING>,
  cell_version TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'
) WITH (
  'connector' = 'hbase-2.2',
  'table-name' = '{{ hbase_order_info_table }}',
  'zookeeper.quorum' = '{{ hbase_zookeeper_quorum }}',
  'null-string-literal' = '',
  'sink.buffer-flush.max-rows' = '10000',
  'sink.buffer-flush.max-size' = '16mb',
  'sink.buffer-flush.interval' = '1s'
);
