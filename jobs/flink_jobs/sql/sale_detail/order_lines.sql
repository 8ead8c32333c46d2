-- Each order line with its order, whichever of the two arrives first: a regular join keeps both
-- sides in state (for jobs.sale_detail_state_ttl_h hours without change; 0 keeps them for ever).
-- A change of the order (status, amount) rewrites its lines; deleting a line or its order removes
-- them. sku_num is text in gmall: a whole number becomes one, anything else NULL.
CREATE TEMPORARY VIEW order_lines AS
SELECT
  d.id AS order_detail_id,
  d.order_id,
  o.order_status,
  o.create_time,
  o.user_id,
  d.sku_id,
  d.sku_name,
  d.order_price AS sku_price,
  CASE WHEN REGEXP(d.sku_num, '^-?[0-9]{1,18}\z') THEN CAST(d.sku_num AS BIGINT) END AS sku_num,
  o.province_id,
  o.total_amount
FROM order_detail_source AS d
JOIN order_info_source AS o ON d.order_id = o.id;
