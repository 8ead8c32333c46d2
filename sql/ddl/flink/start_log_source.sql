-- App start logs: one JSON object per line, read raw so that a line that does not parse is kept
-- for the dead-letter topic. Event time is the log's ts for a valid log, and the epoch for a dead
-- letter (app_log_ts is NULL), so a dead letter never moves the watermark. The
-- watermark trails the newest ts by the allowed lateness and is emitted on every record.
-- proc_time gives the arrival order, in which the job decides which logs are late.
CREATE TABLE start_log_source (
  line    STRING,
  rowtime AS TO_TIMESTAMP_LTZ(COALESCE(app_log_ts(line, 'startup'), 0), 3),
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
