-- gmall_report.dau_hour: devices per business day and hour of their first start. An hour whose
-- last device moved to an earlier hour disappears rather than showing 0.
CREATE TEMPORARY VIEW dau_by_hour AS
SELECT dt, hr, COUNT(*) AS dau
FROM (SELECT CAST(log_date AS DATE) AS dt, log_hour AS hr FROM daily_first_starts)
GROUP BY dt, hr;
