-- What each device did in each 5-minute event-time window, the windows sliding by one minute:
-- [end - 5 min, end) for every end on a whole minute. A window is complete, and emitted once,
-- when the watermark passes its end, so every on-time event is in it.
CREATE TEMPORARY VIEW device_windows AS
SELECT
  mid,
  window_start,
  window_end,
  window_time,
  ARRAY_AGG(DISTINCT uid) FILTER (WHERE evid = 'coupon') AS coupon_uids,
  ARRAY_AGG(DISTINCT itemid) FILTER (WHERE evid = 'coupon') AS coupon_item_ids,
  ARRAY_AGG(DISTINCT evid) AS evids,
  COUNT(*) FILTER (WHERE evid = 'clickItem') AS clicks,
  MAX(ts) AS last_ts
FROM TABLE(HOP(TABLE accepted_events, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
GROUP BY mid, window_start, window_end, window_time;
