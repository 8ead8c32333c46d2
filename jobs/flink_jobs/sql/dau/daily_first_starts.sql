-- A device counts once per business day, in the hour of its earliest start log that day by event
-- time, whatever order the logs arrive in: an earlier log arriving later replaces the first one.
-- Of logs with the same earliest ts, the first to arrive stays.
CREATE TEMPORARY VIEW daily_first_starts AS
SELECT mid, uid, appid, area, os, ch, vs, log_date, log_hour, ts
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY log_date, mid ORDER BY rowtime ASC) AS start_rank
  FROM (
    SELECT *,
      DATE_FORMAT(rowtime, 'yyyy-MM-dd') AS log_date,
      CAST(DATE_FORMAT(rowtime, 'H') AS TINYINT) AS log_hour
    FROM app_logs
    WHERE reason IS NULL
  )
)
WHERE start_rank = 1;
