-- gmall.order_info as row versions, for the sale-detail job: the same messages as
-- order_info_source (the same columns and rules, so the same messages are applied; the GMV job
-- reports the others as dead letters), but each change is a row: the order as it now is, or, for
-- a deletion, the deleted order with deleted = TRUE (filled by the format, not read from Canal),
-- so that the job still knows a deleted order's date and can remove its lines' documents
-- (sale_detail/order_lines.sql).
CREATE TABLE order_info_versions (
  id               BIGINT NOT NULL,
  consignee        STRING,
  consignee_tel    STRING,
  total_amount     DECIMAL(10, 2),
  order_status     STRING,
  user_id          BIGINT,
  payment_way      STRING,
  delivery_address STRING,
  order_comment    STRING,
  out_trade_no     STRING,
  trade_body       STRING,
  create_time      TIMESTAMP(0),
  operate_time     TIMESTAMP(0),
  expire_time      TIMESTAMP(0),
  tracking_no      STRING,
  parent_order_id  BIGINT,
  img_url          STRING,
  province_id      INT,
  deleted          BOOLEAN,
  proc_time        AS PROCTIME()
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_order_info }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}',
  'scan.startup.mode' = '{{ kafka_startup_mode }}',
  'scan.startup.timestamp-millis' = '{{ kafka_startup_timestamp_ms }}',
  'scan.bounded.mode' = '{{ kafka_bounded_mode }}',
  'format' = 'gmall-canal-json',
  'gmall-canal-json.ignore-parse-errors' = 'true',
  'gmall-canal-json.deleted-column' = 'deleted'
);
