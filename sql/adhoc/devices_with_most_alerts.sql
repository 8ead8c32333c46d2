-- Devices with most coupon risk alerts: the 20 devices with the most 5-minute windows (sliding by
-- one minute) in which at least 3 accounts claimed coupons on the device and no item was browsed,
-- the alert job's rule. The alerts themselves are documents in Elasticsearch (gmall_coupon_alert),
-- which Flink cannot read; this recounts them from the event topic, every valid event in it. The
-- job leaves out events later than the allowed lateness, so a device with late events may show an
-- alert here the job did not raise.
SET 'execution.runtime-mode' = 'batch';

CREATE TEMPORARY VIEW valid_events AS
SELECT TO_TIMESTAMP_LTZ(log.ts, 3) AS event_time, log.mid, log.uid, log.evid
FROM (
  SELECT parse_app_log(line, 'event') AS log
  FROM event_log_source /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
)
WHERE log.reason IS NULL;

SELECT
  mid,
  COUNT(*)        AS alerts,
  MIN(window_end) AS first_alert_window_end,
  MAX(window_end) AS last_alert_window_end
FROM (
  SELECT mid, window_end
  FROM TABLE(HOP(TABLE valid_events, DESCRIPTOR(event_time), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
  GROUP BY mid, window_start, window_end
  HAVING COUNT(DISTINCT uid) FILTER (WHERE evid = 'coupon') >= 3
     AND COUNT(*) FILTER (WHERE evid = 'clickItem') = 0
)
GROUP BY mid
ORDER BY alerts DESC, mid
LIMIT 20;
