-- What kinds of events each device had in each 5-minute event-time window, the windows sliding by
-- one minute: [end - 5 min, end) for every end on a whole minute. Counts only, so this, the one
-- aggregation over every event, keeps a few numbers per device and minute. A window is complete,
-- and emitted once, when the watermark passes its end: every on-time event is in it.
CREATE TEMPORARY VIEW device_activity AS
SELECT
  mid,
  window_start,
  window_end,
  COUNT(*) FILTER (WHERE evid = 'coupon') AS coupons,
  COUNT(*) FILTER (WHERE evid = 'clickItem') AS clicks,
  COUNT(*) FILTER (WHERE evid = 'addCart') AS carts,
  COUNT(*) FILTER (WHERE evid = 'addFavor') AS favors,
  COUNT(*) FILTER (WHERE evid = 'addComment') AS comments
FROM TABLE(HOP(TABLE accepted_events, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
GROUP BY mid, window_start, window_end;
