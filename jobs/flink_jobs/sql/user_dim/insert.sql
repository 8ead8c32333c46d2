-- The user-dim job's outputs, one statement set.
INSERT INTO user_dim_sink SELECT * FROM user_dim_rows;

INSERT INTO dead_letter_sink SELECT source_topic, reason, `value`, value_base64 FROM user_info_dead_letters;
