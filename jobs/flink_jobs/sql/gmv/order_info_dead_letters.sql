-- Canal messages of order_info that canal-json cannot read, each counted in gmall_dead_letters.
CREATE TEMPORARY VIEW order_info_dead_letters AS
SELECT '{{ topic_order_info }}' AS source_topic, count_dead_letter(reason) AS reason, line AS `value`
FROM (
  SELECT line, canal_message_error(line,
    'id BIGINT NOT NULL', 'total_amount DECIMAL', 'user_id BIGINT', 'create_time TIMESTAMP',
    'operate_time TIMESTAMP', 'expire_time TIMESTAMP', 'parent_order_id BIGINT', 'province_id INT') AS reason
  FROM order_info_messages
)
WHERE reason IS NOT NULL;
