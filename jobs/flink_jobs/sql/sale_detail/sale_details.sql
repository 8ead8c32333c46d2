-- Each order line with its ordering user. The job follows user_info's changelog itself, so a user
-- it has seen is always the user as now (a later change rewrites the user's lines at once, with
-- no wait for Redis). A user it has not seen (before the job's start, or its state expired) is
-- looked up by lookup_user (java/udfs UserLookup, in this operator): the Redis hash user:<id> the
-- user-dim job keeps, else MariaDB, briefly cached (not for a line that no longer exists). A line
-- whose user exists nowhere has no document.
CREATE TEMPORARY VIEW order_line_users AS
SELECT
  l.*,
  u.id IS NOT NULL AS user_known,
  u.gender AS known_gender,
  u.birthday AS known_birthday,
  u.user_level AS known_level,
  lookup_user(l.user_id, u.id IS NOT NULL OR NOT l.line_exists) AS looked_up
FROM order_lines AS l
LEFT JOIN user_info_source AS u ON l.user_id = u.id;

CREATE TEMPORARY VIEW enriched_order_lines AS
SELECT
  order_detail_id, order_id, order_status, create_time, user_id, sku_id, sku_name, sku_price,
  sku_num, province_id, total_amount,
  CASE WHEN user_known THEN known_gender ELSE JSON_VALUE(looked_up, '$.gender') END AS user_gender,
  CASE WHEN user_known THEN known_birthday
       ELSE TRY_CAST(JSON_VALUE(looked_up, '$.birthday') AS DATE) END AS birthday,
  CASE WHEN user_known THEN known_level ELSE JSON_VALUE(looked_up, '$.user_level') END AS user_level,
  line_exists AND (user_known OR looked_up IS NOT NULL) AS has_document
FROM order_line_users;

-- The documents of gmall_sale_detail: the order's create time as text and its date (the index
-- date), and the user's age in whole years on that date (a Feb-29 birthday comes on Mar 1 in
-- common years); has_document FALSE: the line has no document (any more).
CREATE TEMPORARY VIEW sale_details AS
SELECT
  order_detail_id,
  order_id,
  order_status,
  DATE_FORMAT(create_time, 'yyyy-MM-dd HH:mm:ss') AS create_time,
  CAST(create_time AS DATE) AS dt,
  user_id,
  user_gender,
  CAST(YEAR(create_time) - YEAR(birthday)
       - CASE WHEN MONTH(create_time) < MONTH(birthday)
                OR (MONTH(create_time) = MONTH(birthday) AND DAYOFMONTH(create_time) < DAYOFMONTH(birthday))
              THEN 1 ELSE 0 END AS INT) AS user_age,
  user_level,
  sku_id,
  sku_name,
  sku_price,
  sku_num,
  province_id,
  total_amount,
  has_document
FROM enriched_order_lines;
