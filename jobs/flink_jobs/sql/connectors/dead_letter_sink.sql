-- The dead-letter topic: every record a job could not use, with the topic it came from and why,
-- and the record as it came: `value`, its text; value_base64, its bytes when they are not UTF-8
-- text (`value` is NULL then, and both are NULL for a record without a value).
-- Written in Kafka transactions committed with each checkpoint, so a restarted job repeats none.
-- A dead letter may be bigger than the record (JSON escapes a control character in six bytes):
-- requests up to 8 MiB, which the topic allows (gmall-rt stack up creates it so).
CREATE TABLE dead_letter_sink (
  source_topic STRING,
  reason       STRING,
  `value`      STRING,
  value_base64 STRING
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_dead_letter }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.transaction.timeout.ms' = '900000',
  'properties.max.request.size' = '{{ dead_letter_max_bytes }}',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '{{ transactional_id_prefix }}',
  'format' = 'json'
);
