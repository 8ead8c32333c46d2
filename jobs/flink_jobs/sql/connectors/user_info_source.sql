-- gmall.user_info as a changelog: Canal's flatMessages read with the gmall-canal-json format
-- (java/udfs), Flink's canal-json behind the rules the dead-letter function applies too (the
-- user-dim job writes it to Redis, the sale-detail job joins order lines with it). A message is
-- applied whole, or skipped here whole; the user-dim job sends it to the dead-letter topic from
-- user_info_messages (user_dim/user_changes.sql, which lists these columns again).
CREATE TABLE user_info_source (
  id           BIGINT,
  login_name   STRING,
  nick_name    STRING,
  passwd       STRING,
  name         STRING,
  phone_num    STRING,
  email        STRING,
  head_img     STRING,
  user_level   STRING,
  birthday     DATE,
  gender       STRING,
  create_time  TIMESTAMP(0),
  operate_time TIMESTAMP(0),
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_user_info }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}',
  'scan.startup.mode' = '{{ kafka_startup_mode }}',
  'scan.startup.timestamp-millis' = '{{ kafka_startup_timestamp_ms }}',
  'scan.bounded.mode' = '{{ kafka_bounded_mode }}',
  'format' = 'gmall-canal-json',
  'gmall-canal-json.ignore-parse-errors' = 'true'
);

-- The same topic, each message as it is (NULL for a record without a value): the user-dim job
-- reports the ones the source skips.
CREATE TABLE user_info_messages (
  line BYTES
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_user_info }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}-messages',
  'scan.startup.mode' = '{{ kafka_startup_mode }}',
  'scan.startup.timestamp-millis' = '{{ kafka_startup_timestamp_ms }}',
  'scan.bounded.mode' = '{{ kafka_bounded_mode }}',
  'format' = 'raw'
);
