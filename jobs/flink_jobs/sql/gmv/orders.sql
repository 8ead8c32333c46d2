-- Orders as they are now, with the business day and hour they were created in and the
-- consignee's phone masked before anything is stored: first 3 and last 4 characters kept
-- (13812345678 -> 138****5678); a phone shorter than 8 characters is kept as it is.
CREATE TEMPORARY VIEW orders AS
SELECT
  id, consignee,
  CASE WHEN CHAR_LENGTH(consignee_tel) >= 8
       THEN CONCAT(SUBSTR(consignee_tel, 1, 3), '****', SUBSTR(consignee_tel, CHAR_LENGTH(consignee_tel) - 3))
       ELSE consignee_tel END AS consignee_tel,
  total_amount, order_status, user_id, payment_way, delivery_address, order_comment, out_trade_no,
  trade_body, create_time, operate_time, expire_time, tracking_no, parent_order_id, img_url,
  province_id,
  DATE_FORMAT(create_time, 'yyyy-MM-dd') AS create_date,
  CAST(HOUR(create_time) AS INT) AS create_hour
FROM order_info_source;
