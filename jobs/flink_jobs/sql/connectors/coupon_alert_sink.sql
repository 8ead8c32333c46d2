-- Coupon risk alerts in Elasticsearch: daily indices <name>-<yyyy-MM-dd> (the window end's local
-- date) behind the alias <name>, both from the index template <name> made of
-- gmall_rt/schema/elasticsearch/coupon_alert.json; <name> is elasticsearch.coupon_alert_index,
-- gmall_coupon_alert. The document id is the primary key
-- <mid>_<yyyy-MM-dd_HH:mm>, so a window written again after a restart overwrites its document:
-- at-least-once delivery (every pending request flushed before a checkpoint completes) with
-- idempotent ids gives exactly-once documents. ('elasticsearch-7' in the SQL connector bundle
-- 3.0.1-1.17 is the SinkFunction-based sink: its options are 'sink.flush-on-checkpoint' and the
-- 'sink.bulk-flush.*' ones, not 'sink.delivery-guarantee'.) The template keeps the id column
-- out of the stored document; window_start and window_end are written as local
-- 'yyyy-MM-dd HH:mm:ss' (SQL timestamps, whole seconds). Pending alerts are sent every 200 ms (the
-- connector's default, a second, made the latency after a window closes about a second).
CREATE TABLE coupon_alert_sink (
  id           STRING,
  mid          STRING,
  uids         ARRAY<STRING>,
  item_ids     ARRAY<STRING>,
  events       ARRAY<STRING>,
  window_start TIMESTAMP(3),
  window_end   TIMESTAMP(3),
  ts           BIGINT,
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'elasticsearch-7',
  'hosts' = '{{ elasticsearch_url }}',
  'index' = '{{ elasticsearch_coupon_alert_index }}-{window_end|yyyy-MM-dd}',
  'sink.flush-on-checkpoint' = 'true',
  'sink.bulk-flush.interval' = '200ms',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL'
);
