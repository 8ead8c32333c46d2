-- The purchase-detail documents as the joins emit them, keyed by order_detail_id, before they reach
-- Elasticsearch: written in Kafka transactions committed with each checkpoint, and read back
-- committed only. The joins of three changelogs emit a different sequence of changes after a
-- restore (the topics interleave anew), and for a line deleted meanwhile possibly none at all, so
-- a document written straight to Elasticsearch after the last checkpoint could outlive the restore.
-- Through this topic Elasticsearch only gets changes of completed checkpoints, each document's in
-- one partition in order, and a restored job writes them again in that same order.
CREATE TABLE sale_detail_changes (
  order_detail_id BIGINT,
  order_id        BIGINT,
  order_status    STRING,
  create_time     STRING,
  dt              DATE,
  user_id         BIGINT,
  user_gender     STRING,
  user_age        INT,
  user_level      STRING,
  sku_id          BIGINT,
  sku_name        STRING,
  sku_price       DECIMAL(10, 2),
  sku_num         BIGINT,
  province_id     INT,
  total_amount    DECIMAL(10, 2),
  PRIMARY KEY (order_detail_id) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = '{{ topic_sale_detail_changes }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}-changes',
  'properties.isolation.level' = 'read_committed',
  'properties.transaction.timeout.ms' = '900000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '{{ pipeline_name }}-sale-detail-changes',
  'key.format' = 'json',
  'value.format' = 'json',
  'value.json.encode.decimal-as-plain-number' = 'true'
);
