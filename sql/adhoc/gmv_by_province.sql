-- GMV by province: for each business day (of the order's create_time) and province, the sum of
-- the current amounts of the orders created then, and their count — as the GMV job counts them:
-- an order without a create time or an amount is left out (gmall.order_info now, through JDBC).
SET 'execution.runtime-mode' = 'batch';

SELECT
  CAST(create_time AS DATE) AS dt,
  province_id,
  SUM(total_amount)         AS gmv,
  COUNT(*)                  AS order_count
FROM db_order_info
WHERE create_time IS NOT NULL AND total_amount IS NOT NULL
GROUP BY CAST(create_time AS DATE), province_id
ORDER BY dt, gmv DESC, province_id;
