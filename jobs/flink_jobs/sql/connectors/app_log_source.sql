-- App logs ({{ log_type }} logs of {{ log_topic }}): one JSON object per line, keyed by mid, read raw
-- and as bytes, so that a record that does not parse, or is not UTF-8, is kept exactly as sent for
-- the dead-letter topic. Event time is the log's ts
-- for a valid log, and the epoch for a dead letter (app_log_ts is NULL), so a dead letter, a log
-- from a device with a wrong clock included, never moves the watermark. kafka_partition and the
-- records' order in it decide which logs are late (logs/app_logs.sql).
-- The source keeps a watermark per partition, emitted on every record, trailing that partition's
-- newest ts by the allowed lateness and one millisecond; the job's is the smallest of them. So a
-- log on time in its partition is always ahead of it and reaches every window it belongs to (a
-- window closes when the watermark reaches its last millisecond). No partition is ever taken as
-- idle: the windows wait for every partition, rather than drop the on-time logs of one that
-- paused.
CREATE TABLE {{ log_source }} (
  line    BYTES,
  kafka_partition INT METADATA FROM 'partition' VIRTUAL,
  record_time TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  rowtime AS TO_TIMESTAMP_LTZ(COALESCE(app_log_ts(line, '{{ log_type }}', record_time, {{ max_future_ms }}), 0), 3),
  proc_time AS PROCTIME(),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND * {{ allowed_lateness_s }} - INTERVAL '0.001' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '{{ log_topic }}',
  'properties.bootstrap.servers' = '{{ kafka_bootstrap_servers }}',
  'properties.group.id' = '{{ group_id }}',
  'scan.startup.mode' = '{{ kafka_startup_mode }}',
  'scan.startup.timestamp-millis' = '{{ kafka_startup_timestamp_ms }}',
  'scan.bounded.mode' = '{{ kafka_bounded_mode }}',
  'scan.watermark.emit.strategy' = 'on-event',
  'format' = 'raw'
);
