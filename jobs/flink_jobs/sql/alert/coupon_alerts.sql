-- Coupon risk alerts: a device on which at least 3 accounts claimed coupons in a window, and no
-- item was browsed. One per device and window end, identified by both (the end in local time).
-- The events of an alerting window are its coupons and whichever of the other kinds it had,
-- clickItem never.
--
-- ts is the window end in epoch milliseconds. Flink 1.20 has no exact TIMESTAMP_LTZ to epoch
-- conversion (the cast is not allowed, EXTRACT(EPOCH ...) reads the local wall clock, and
-- TIMESTAMPDIFF from the epoch overflows its INT after 2038), so it is counted from the start of
-- the minute of the window's newest event, which is at most 5 minutes before the end.
CREATE TEMPORARY VIEW coupon_alerts AS
SELECT *
FROM (
  SELECT
    CONCAT(mid, '_', DATE_FORMAT(window_end, 'yyyy-MM-dd_HH:mm')) AS id,
    mid,
    ARRAY_SORT(ARRAY_DISTINCT(JSON_QUERY(CONCAT('[', coupon_uids_json, ']'), '$' RETURNING ARRAY<STRING>))) AS uids,
    ARRAY_SORT(ARRAY_DISTINCT(JSON_QUERY(CONCAT('[', coupon_item_ids_json, ']'), '$' RETURNING ARRAY<STRING>))) AS item_ids,
    ARRAY_SORT(ARRAY_REMOVE(ARRAY[
      'coupon',
      CASE WHEN carts > 0 THEN 'addCart' END,
      CASE WHEN favors > 0 THEN 'addFavor' END,
      CASE WHEN comments > 0 THEN 'addComment' END], NULL)) AS events,
    window_start,
    window_end,
    last_minute + 60000 * (1 + TIMESTAMPDIFF(MINUTE, TO_TIMESTAMP_LTZ(last_minute, 3), window_time)) AS ts
  FROM (SELECT *, last_ts - MOD(last_ts, 60000) AS last_minute FROM device_windows)
  WHERE coupons >= 3 AND clicks = 0
)
WHERE CARDINALITY(uids) >= 3;
