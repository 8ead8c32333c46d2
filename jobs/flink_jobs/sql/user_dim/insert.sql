-- The user-dim job's outputs, one statement set.
INSERT INTO user_dim_sink SELECT * FROM user_dim_rows;

INSERT INTO dead_letter_sink (source_topic, reason, `value`) SELECT source_topic, reason, `value` FROM user_info_dead_letters;
