-- Every event log with why it is a dead letter (NULL when it counts): a parse error, or 'late'
-- when its ts is more than the allowed lateness behind the newest ts of the valid logs that
-- arrived before it. That newest ts is kept in the job's state, checkpointed, so a job restored
-- from a checkpoint judges exactly the logs an uninterrupted one would (a watermark is not kept
-- in checkpoints and starts again from nothing after a restore).
CREATE TEMPORARY VIEW event_logs AS
SELECT
  line,
  rowtime,
  COALESCE(log.reason, CASE WHEN log.ts < newest_ts - ${allowed_lateness_s} * 1000 THEN 'late' END) AS reason,
  log.mid, log.uid, log.evid, log.itemid, log.ts
FROM (
  SELECT line, rowtime, log,
    MAX(log.ts) OVER (ORDER BY proc_time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS newest_ts
  FROM (SELECT line, rowtime, proc_time, parse_app_log(line, 'event') AS log FROM event_log_source)
);
