-- Every event log with why it is a dead letter (NULL when it counts): a parse error, or 'late' when
-- its event time is more than the allowed lateness behind the newest log before it (the source's
-- watermark trails that by the lateness and one millisecond, so "at or behind the watermark").
CREATE TEMPORARY VIEW event_logs AS
SELECT
  line,
  rowtime,
  COALESCE(log.reason, CASE WHEN rowtime <= CURRENT_WATERMARK(rowtime) THEN 'late' END) AS reason,
  log.mid, log.uid, log.evid, log.itemid, log.ts
FROM (SELECT line, rowtime, parse_app_log(line, 'event') AS log FROM event_log_source);
