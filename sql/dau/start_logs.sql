-- Every start log with why it is a dead letter (NULL when it counts): a parse error, or 'late' when
-- its event time is behind the watermark as it stood when the log arrived.
CREATE TEMPORARY VIEW start_logs AS
SELECT
  line,
  rowtime,
  COALESCE(log.reason, CASE WHEN rowtime < CURRENT_WATERMARK(rowtime) THEN 'late' END) AS reason,
  log.mid, log.uid, log.appid, log.area, log.os, log.ch, log.vs, log.ts
FROM (SELECT line, rowtime, parse_app_log(line, 'startup') AS log FROM start_log_source);
