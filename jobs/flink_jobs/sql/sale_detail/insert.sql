-- The sale-detail job's outputs, one statement set.
INSERT INTO sale_detail_changes
SELECT order_detail_id, order_id, order_status, create_time, dt, user_id, user_gender, user_age,
       user_level, sku_id, sku_name, sku_price, sku_num, province_id, total_amount
FROM sale_details;

-- Elasticsearch gets the committed changes only (connectors/sale_detail_changes.sql)
INSERT INTO sale_detail_sink SELECT * FROM sale_detail_changes;

INSERT INTO dead_letter_sink SELECT source_topic, reason, `value`, value_base64 FROM order_detail_dead_letters;
