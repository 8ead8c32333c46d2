-- The GMV job's outputs, one statement set.
INSERT INTO gmall_order_info_sink
SELECT
  to_phoenix(id),
  ROW(consignee, consignee_tel, to_phoenix(total_amount), order_status, to_phoenix(user_id),
      payment_way, delivery_address, order_comment, out_trade_no, trade_body,
      to_phoenix(create_time), to_phoenix(operate_time), to_phoenix(expire_time), tracking_no,
      to_phoenix(parent_order_id), img_url, to_phoenix(province_id), create_date,
      to_phoenix(create_hour), ''),
  COALESCE(CAST(create_time AS TIMESTAMP_LTZ(3)), TO_TIMESTAMP_LTZ(0, 3))
FROM orders;

INSERT INTO gmv_hour_sink SELECT dt, hr, gmv, order_count FROM gmv_by_hour;

INSERT INTO dead_letter_sink SELECT source_topic, reason, `value`, value_base64 FROM order_info_dead_letters;
