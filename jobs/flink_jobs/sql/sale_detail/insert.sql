-- The sale-detail job's outputs, one statement set.
INSERT INTO sale_detail_sink SELECT * FROM sale_details;

INSERT INTO dead_letter_sink SELECT source_topic, reason, `value`, value_base64 FROM order_detail_dead_letters;
