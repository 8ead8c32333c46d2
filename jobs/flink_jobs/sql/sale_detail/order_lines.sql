-- The newest version of each order line and of each order: a deleted one stays as its tombstone
-- (deleted = TRUE), which keeps its values.
CREATE TEMPORARY VIEW latest_order_details AS
SELECT id, order_id, sku_id, sku_name, order_price, sku_num, deleted
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY proc_time DESC) AS newest
      FROM order_detail_versions)
WHERE newest = 1;

CREATE TEMPORARY VIEW latest_orders AS
SELECT id, order_status, create_time, user_id, province_id, total_amount, deleted
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY proc_time DESC) AS newest
      FROM order_info_versions)
WHERE newest = 1;

-- Each order line with its order, whichever of the two arrives first: a regular join keeps both
-- sides in state (for jobs.sale_detail_state_ttl_h hours without change; 0 keeps them for ever).
-- A change of the order (status, amount) rewrites its lines. A deleted line or order is joined
-- too, as line_exists = FALSE: then the line's document is removed from the index of its order's
-- date. So every line and order the job reads, in whatever order they interleave, ends with the
-- line's final state sent, also after a restore from a checkpoint (a line whose order was deleted
-- before a restore, and that the restored job never sees with that order, still gets its
-- deletion). sku_num is text in gmall: a whole number becomes one, anything else NULL.
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
  o.total_amount,
  NOT d.deleted AND NOT o.deleted AS line_exists
FROM latest_order_details AS d
JOIN latest_orders AS o ON d.order_id = o.id;
