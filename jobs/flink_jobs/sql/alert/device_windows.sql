-- What each device did in each 5-minute event-time window, the windows sliding by one minute:
-- [end - 5 min, end) for every end on a whole minute. A window is complete, and emitted once,
-- when the watermark passes its end, so every on-time event is in it.
--
-- Every accumulator is a number or a string, so the state of a device and minute is a single
-- value and a window merges its five minutes cheaply (DISTINCT and ARRAY_AGG would keep a list or
-- map per device and minute). The accounts and items of the coupon claims are collected as JSON
-- string literals, comma-separated: the body of a JSON array, read back exactly whatever
-- characters a uid or itemid holds.
CREATE TEMPORARY VIEW device_windows AS
SELECT
  mid,
  window_start,
  window_end,
  window_time,
  COUNT(*) FILTER (WHERE evid = 'coupon') AS coupons,
  COUNT(*) FILTER (WHERE evid = 'clickItem') AS clicks,
  COUNT(*) FILTER (WHERE evid = 'addCart') AS carts,
  COUNT(*) FILTER (WHERE evid = 'addFavor') AS favors,
  COUNT(*) FILTER (WHERE evid = 'addComment') AS comments,
  LISTAGG(CASE WHEN evid = 'coupon' THEN JSON_STRING(uid) END) AS coupon_uids_json,
  LISTAGG(CASE WHEN evid = 'coupon' THEN JSON_STRING(itemid) END) AS coupon_item_ids_json,
  MAX(ts) AS last_ts
FROM TABLE(HOP(TABLE accepted_events, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
GROUP BY mid, window_start, window_end, window_time;
