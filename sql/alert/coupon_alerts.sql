-- Coupon risk alerts: a device on which at least 3 accounts claimed coupons in a window, and no
-- item was browsed. One per device and window end, identified by both (the end in local time).
-- The events of an alerting window are its coupons and whichever of the other kinds it had,
-- clickItem never. Only the rare windows with 3 claims and no click reach the join.
CREATE TEMPORARY VIEW coupon_alerts AS
SELECT
  CONCAT(c.mid, '_', DATE_FORMAT(c.window_end, 'yyyy-MM-dd_HH:mm')) AS id,
  c.mid,
  ARRAY_SORT(c.uids) AS uids,
  ARRAY_SORT(c.item_ids) AS item_ids,
  ARRAY_SORT(ARRAY_REMOVE(ARRAY[
    'coupon',
    CASE WHEN a.carts > 0 THEN 'addCart' END,
    CASE WHEN a.favors > 0 THEN 'addFavor' END,
    CASE WHEN a.comments > 0 THEN 'addComment' END], NULL)) AS events,
  c.window_start,
  c.window_end,
  c.ts
FROM coupon_claims AS c
JOIN (SELECT * FROM device_activity WHERE coupons >= 3 AND clicks = 0) AS a
  ON c.mid = a.mid AND c.window_start = a.window_start AND c.window_end = a.window_end;
