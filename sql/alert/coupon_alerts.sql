-- Coupon risk alerts: a device on which at least 3 accounts claimed coupons in a window, and no
-- item was browsed. One per device and window end, identified by both (the end in local time).
--
-- ts is the window end in epoch milliseconds. Flink 1.20 has no exact TIMESTAMP_LTZ to epoch
-- conversion (the cast is not allowed, EXTRACT(EPOCH ...) reads the local wall clock, and
-- TIMESTAMPDIFF from the epoch overflows its INT after 2038), so it is counted from the start of
-- the minute of the window's newest event, which is at most 5 minutes before the end.
CREATE TEMPORARY VIEW coupon_alerts AS
SELECT
  CONCAT(mid, '_', DATE_FORMAT(window_end, 'yyyy-MM-dd_HH:mm')) AS id,
  mid,
  ARRAY_SORT(coupon_uids) AS uids,
  ARRAY_SORT(coupon_item_ids) AS item_ids,
  ARRAY_SORT(evids) AS events,
  window_start,
  window_end,
  last_minute + 60000 * (1 + TIMESTAMPDIFF(MINUTE, TO_TIMESTAMP_LTZ(last_minute, 3), window_time)) AS ts
FROM (SELECT *, last_ts - MOD(last_ts, 60000) AS last_minute FROM device_windows)
WHERE CARDINALITY(coupon_uids) >= 3 AND clicks = 0;
