-- The event logs that count: valid and on time.
CREATE TEMPORARY VIEW accepted_events AS
SELECT rowtime, mid, uid, evid, itemid, ts
FROM app_logs
WHERE reason IS NULL;
