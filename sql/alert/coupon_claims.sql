-- The accounts that claimed coupons on a device in a window (the same windows as device_activity)
-- and the items claimed, where at least 3 accounts did.
--
-- ts is the window end in epoch milliseconds. Flink 1.20 has no exact TIMESTAMP_LTZ to epoch
-- conversion (the cast is not allowed, EXTRACT(EPOCH ...) reads the local wall clock, and
-- TIMESTAMPDIFF from the epoch overflows its INT after 2038), so it is counted from the start of
-- the minute of the window's newest claim, which is at most 5 minutes before the end.
CREATE TEMPORARY VIEW coupon_claims AS
SELECT
  mid, window_start, window_end, uids, item_ids,
  last_minute + 60000 * (1 + TIMESTAMPDIFF(MINUTE, TO_TIMESTAMP_LTZ(last_minute, 3), window_time)) AS ts
FROM (
  SELECT
    mid, window_start, window_end, window_time,
    ARRAY_AGG(DISTINCT uid) AS uids,
    ARRAY_AGG(DISTINCT itemid) AS item_ids,
    MAX(ts) - MOD(MAX(ts), 60000) AS last_minute
  FROM TABLE(HOP(TABLE coupon_events, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
  GROUP BY mid, window_start, window_end, window_time
)
WHERE CARDINALITY(uids) >= 3;
