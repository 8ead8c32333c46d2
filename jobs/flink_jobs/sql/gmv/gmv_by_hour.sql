-- gmall_report.gmv_hour: per business day and hour of create_time, the sum of the current
-- total_amount of the orders created then, and their count. An update retracts the order's old
-- amount, a delete its whole contribution. Orders without a create_time or an amount have no
-- hour or nothing to add, and count in neither.
CREATE TEMPORARY VIEW gmv_by_hour AS
SELECT dt, hr, CAST(SUM(total_amount) AS DECIMAL(16, 2)) AS gmv, COUNT(*) AS order_count
FROM (
  SELECT CAST(create_time AS DATE) AS dt, CAST(HOUR(create_time) AS TINYINT) AS hr, total_amount
  FROM order_info_source
  WHERE create_time IS NOT NULL AND total_amount IS NOT NULL
)
GROUP BY dt, hr;
