-- HBase table GMALL_ORDER_INFO, laid out as the Phoenix table of
-- sql/ddl/phoenix/gmall_order_info.sql: the row key and every non-text column are in Phoenix's
-- encoding (to_phoenix); `_0` is the empty cell Phoenix expects in every row.
CREATE TABLE gmall_order_info_sink (
  rowkey BYTES,
  F ROW<
    CONSIGNEE STRING, CONSIGNEE_TEL STRING, TOTAL_AMOUNT BYTES, ORDER_STATUS STRING,
    USER_ID BYTES, PAYMENT_WAY STRING, DELIVERY_ADDRESS STRING, ORDER_COMMENT STRING,
    OUT_TRADE_NO STRING, TRADE_BODY STRING, CREATE_TIME BYTES, OPERATE_TIME BYTES,
    EXPIRE_TIME BYTES, TRACKING_NO STRING, PARENT_ORDER_ID BYTES, IMG_URL STRING,
    PROVINCE_ID BYTES, CREATE_DATE STRING, CREATE_HOUR BYTES, `_0` STRING>,
  PRIMARY KEY (rowkey) NOT ENFORCED
) WITH (
  'connector' = 'hbase-2.2',
  'table-name' = 'GMALL_ORDER_INFO',
  'zookeeper.quorum' = '${hbase_zookeeper_quorum}',
  'null-string-literal' = '',
  'sink.buffer-flush.interval' = '1s'
);
