-- The dead-letter topic: every record a job could not use, with the topic it came from and why.
-- Written in Kafka transactions committed with each checkpoint, so a restarted job repeats none.
CREATE TABLE dead_letter_sink (
  source_topic STRING,
  reason       STRING,
  `value`      STRING
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ topic_dead_letter }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.transaction.timeout.ms' = '900000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '{{ transactional_id_prefix }}',
  'format' = 'json'
);
