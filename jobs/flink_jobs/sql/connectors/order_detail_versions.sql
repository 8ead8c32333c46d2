-- gmall.order_detail as row versions: Canal's flatMessages read with the gmall-canal-json format
-- (java/udfs), Flink's canal-json behind the rules the dead-letter function applies too: a message
-- is applied whole, or skipped here whole and sent to the dead-letter topic from
-- order_detail_messages (sale_detail/order_detail_dead_letters.sql, which lists these columns again).
-- Each change is a row: the line as it now is, or, for a deletion, the deleted line with
-- deleted = TRUE (filled by the format, not read from Canal), so that the job still knows a
-- deleted line's order and can remove its document (sale_detail/order_lines.sql).
-- sku_num is text in gmall (VARCHAR); the job turns it into a number where it is one.
CREATE TABLE order_detail_versions (
  id          BIGINT NOT NULL,
  order_id    BIGINT,
  sku_id      BIGINT,
  sku_name    STRING,
  img_url     STRING,
  order_price DECIMAL(10, 2),
  sku_num     STRING,
  create_time TIMESTAMP(0),
  deleted     BOOLEAN,
  proc_time   AS PROCTIME()
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_order_detail }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}',
  'scan.startup.mode' = '{{ kafka_startup_mode }}',
  'scan.startup.timestamp-millis' = '{{ kafka_startup_timestamp_ms }}',
  'scan.bounded.mode' = '{{ kafka_bounded_mode }}',
  'format' = 'gmall-canal-json',
  'gmall-canal-json.ignore-parse-errors' = 'true',
  'gmall-canal-json.deleted-column' = 'deleted'
);

-- The same topic, each message as it is (NULL for a record without a value), to report the ones
-- the source skips.
CREATE TABLE order_detail_messages (
  line BYTES
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_order_detail }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}-messages',
  'scan.startup.mode' = '{{ kafka_startup_mode }}',
  'scan.startup.timestamp-millis' = '{{ kafka_startup_timestamp_ms }}',
  'scan.bounded.mode' = '{{ kafka_bounded_mode }}',
  'format' = 'raw'
);
