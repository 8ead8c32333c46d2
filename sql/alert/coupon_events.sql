-- The coupon claims that count: the only events whose accounts and items an alert lists.
CREATE TEMPORARY VIEW coupon_events AS
SELECT rowtime, mid, uid, itemid, ts
FROM accepted_events
WHERE evid = 'coupon';
