-- gmall.order_detail as a changelog: Canal's flatMessages read with the canal-json format. A message
-- it cannot read is skipped here and sent to the dead-letter topic from order_detail_messages.
-- sku_num is text in gmall (VARCHAR); the job turns it into a number where it is one.
CREATE TABLE order_detail_source (
  id          BIGINT,
  order_id    BIGINT,
  sku_id      BIGINT,
  sku_name    STRING,
  img_url     STRING,
  order_price DECIMAL(10, 2),
  sku_num     STRING,
  create_time TIMESTAMP(0),
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_order_detail }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}',
  'scan.startup.mode' = '{{ kafka_startup_mode }}',
  'format' = 'canal-json',
  'canal-json.ignore-parse-errors' = 'true'
);

-- The same topic, each message as it is, to find the ones canal-json skips.
CREATE TABLE order_detail_messages (
  line STRING
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_order_detail }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}-messages',
  'scan.startup.mode' = '{{ kafka_startup_mode }}',
  'format' = 'raw'
);
