-- Canal messages of order_detail that canal-json cannot read, each counted in gmall_dead_letters.
-- (order_info's are the GMV job's and user_info's the user-dim job's to report, so each bad
-- message reaches the dead-letter topic once.)
CREATE TEMPORARY VIEW order_detail_dead_letters AS
SELECT '{{ topic_order_detail }}' AS source_topic, count_dead_letter(reason) AS reason, line AS `value`
FROM (
  SELECT line, canal_message_error(line,
    'id BIGINT NOT NULL', 'order_id BIGINT', 'sku_id BIGINT', 'order_price DECIMAL',
    'create_time TIMESTAMP') AS reason
  FROM order_detail_messages
)
WHERE reason IS NOT NULL;
