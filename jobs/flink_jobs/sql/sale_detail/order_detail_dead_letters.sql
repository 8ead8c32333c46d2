-- Canal messages of order_detail that the gmall-canal-json source does not apply, each counted in
-- gmall_dead_letters. The columns are order_detail_versions', as its DDL declares them (the id
-- NOT NULL), so a message is either applied or here, never both and never neither.
-- (order_info's are the GMV job's and user_info's the user-dim job's to report, so each bad
-- message reaches the dead-letter topic once.)
CREATE TEMPORARY VIEW order_detail_dead_letters AS
SELECT '{{ topic_order_detail }}' AS source_topic, count_dead_letter(reason) AS reason, record_text(line) AS `value`,
  CASE WHEN reason = 'invalid UTF-8' THEN TO_BASE64(line) END AS value_base64
FROM (
  SELECT line, canal_message_error(line,
    'id BIGINT NOT NULL', 'order_id BIGINT', 'sku_id BIGINT', 'sku_name STRING', 'img_url STRING',
    'order_price DECIMAL(10, 2)', 'sku_num STRING', 'create_time TIMESTAMP(0)') AS reason
  FROM order_detail_messages
)
WHERE reason IS NOT NULL;
