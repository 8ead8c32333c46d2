-- gmall.order_info as a changelog: Canal's flatMessages read with the gmall-canal-json format
-- (java/udfs), Flink's canal-json behind the rules the dead-letter function applies too: a message
-- is applied whole, or skipped here whole and sent to the dead-letter topic from
-- order_info_messages (gmv/order_info_dead_letters.sql, which lists these columns again).
-- Canal may send a change again after it restarts: the job declares its source changelog may
-- repeat events (table.exec.source.cdc-events-duplicate), which this primary key makes exact.
CREATE TABLE order_info_source (
  id               BIGINT,
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
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_order_info }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}',
  'scan.startup.mode' = '{{ kafka_startup_mode }}',
  'scan.startup.timestamp-millis' = '{{ kafka_startup_timestamp_ms }}',
  'scan.bounded.mode' = '{{ kafka_bounded_mode }}',
  'format' = 'gmall-canal-json',
  'gmall-canal-json.ignore-parse-errors' = 'true'
);

-- The same topic, each message as it is (NULL for a record without a value), to report the ones
-- the source skips.
CREATE TABLE order_info_messages (
  line BYTES
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_order_info }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}-messages',
  'scan.startup.mode' = '{{ kafka_startup_mode }}',
  'scan.startup.timestamp-millis' = '{{ kafka_startup_timestamp_ms }}',
  'scan.bounded.mode' = '{{ kafka_bounded_mode }}',
  'format' = 'raw'
);
