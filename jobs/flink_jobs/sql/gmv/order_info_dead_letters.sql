-- Canal messages of order_info that the gmall-canal-json source does not apply, each counted in
-- gmall_dead_letters. The columns are order_info_source's, as its DDL declares them (the primary
-- key NOT NULL): the function and the format judge a message by the same rules, so a message is
-- either applied or here, never both and never neither.
CREATE TEMPORARY VIEW order_info_dead_letters AS
SELECT '{{ topic_order_info }}' AS source_topic, count_dead_letter(reason) AS reason, record_text(line) AS `value`,
  CASE WHEN reason = 'invalid UTF-8' THEN TO_BASE64(line) END AS value_base64
FROM (
  SELECT line, canal_message_error(line,
    'id BIGINT NOT NULL', 'consignee STRING', 'consignee_tel STRING', 'total_amount DECIMAL(10, 2)',
    'order_status STRING', 'user_id BIGINT', 'payment_way STRING', 'delivery_address STRING',
    'order_comment STRING', 'out_trade_no STRING', 'trade_body STRING', 'create_time TIMESTAMP(0)',
    'operate_time TIMESTAMP(0)', 'expire_time TIMESTAMP(0)', 'tracking_no STRING', 'parent_order_id BIGINT',
    'img_url STRING', 'province_id INT') AS reason
  FROM order_info_messages
)
WHERE reason IS NOT NULL;
