-- Top items by coupon claims: the 20 items whose coupons were claimed most, with how many users
-- and devices claimed them. Every valid coupon event the event topic holds counts, a late one
-- too (it is a claim, only too late for the alert windows); a log delivered twice counts once.
SET 'execution.runtime-mode' = 'batch';

SELECT
  itemid,
  COUNT(*)            AS claims,
  COUNT(DISTINCT uid) AS users,
  COUNT(DISTINCT mid) AS devices
FROM (
  SELECT DISTINCT log.mid, log.uid, log.itemid, log.ts
  FROM (
    SELECT parse_app_log(line, 'event') AS log
    FROM event_log_source /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
  )
  WHERE log.reason IS NULL AND log.evid = 'coupon'
)
GROUP BY itemid
ORDER BY claims DESC, itemid
LIMIT 20;
