-- App event logs: one JSON object per line, read raw so that a line that does not parse is kept
-- for the dead-letter topic. Event time is the log's ts for a valid log, and the epoch for a dead
-- letter (app_log_ts is NULL), so a dead letter never moves the watermark.
-- The watermark is emitted on every record and trails the newest ts by the allowed lateness and
-- one millisecond, so a log on time (alert/event_logs.sql) is always ahead of it and still
-- reaches every window it belongs to (a window closes when the watermark reaches its last
-- millisecond). A source subtask with no partition to read (more
-- subtasks than partitions) is idle after a few seconds, so it does not hold the windows back.
CREATE TABLE event_log_source (
  line    STRING,
  rowtime AS TO_TIMESTAMP_LTZ(COALESCE(app_log_ts(line, 'event'), 0), 3),
  proc_time AS PROCTIME(),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND * ${allowed_lateness_s} - INTERVAL '0.001' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '${topic_event}',
  'properties.bootstrap.servers' = '${kafka_bootstrap_servers}',
  'properties.group.id' = '${group_id}',
  'scan.startup.mode' = '${kafka_startup_mode}',
  'scan.watermark.emit.strategy' = 'on-event',
  'scan.watermark.idle-timeout' = '5 s',
  'format' = 'raw'
);
