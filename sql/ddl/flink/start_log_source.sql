-- App start logs: one JSON object per line, keyed by mid, read raw so that a line that does not
-- parse is kept for the dead-letter topic. Event time is the log's ts for a valid log, and the
-- epoch for a dead letter (app_log_ts is NULL), so a dead letter, a log from a device with a wrong
-- clock included, never moves the watermark. The source keeps a watermark per partition, trailing
-- that partition's newest ts by the allowed lateness, emitted on every record; the job's is the
-- smallest of them. kafka_partition and the records' order in it decide which logs are late.
CREATE TABLE start_log_source (
  line    STRING,
  kafka_partition INT METADATA FROM 'partition' VIRTUAL,
  record_time TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  rowtime AS TO_TIMESTAMP_LTZ(COALESCE(app_log_ts(line, 'startup', record_time, ${max_future_ms}), 0), 3),
  proc_time AS PROCTIME(),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND * ${allowed_lateness_s}
) WITH (
  'connector' = 'kafka',
  'topic' = '${topic_start}',
  'properties.bootstrap.servers' = '${kafka_bootstrap_servers}',
  'properties.group.id' = '${group_id}',
  'scan.startup.mode' = '${kafka_startup_mode}',
  'scan.watermark.emit.strategy' = 'on-event',
  'format' = 'raw'
);
