-- Orders by status: how many orders are in each status now, and their amount
-- (gmall.order_info as it is in MariaDB, read through JDBC).
SET 'execution.runtime-mode' = 'batch';

SELECT
  order_status,
  COUNT(*)          AS orders,
  SUM(total_amount) AS total_amount
FROM db_order_info
GROUP BY order_status
ORDER BY order_status;
