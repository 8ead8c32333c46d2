-- user_info's changes as rows of the user dimension: every column but passwd, as the text Canal
-- writes (the form the look-ups read), in the topic's order of each user's changes.
CREATE TEMPORARY VIEW user_dim_rows AS
SELECT id, login_name, nick_name, name, phone_num, email, head_img, user_level,
  CAST(birthday AS STRING) AS birthday, gender,
  CAST(create_time AS STRING) AS create_time, CAST(operate_time AS STRING) AS operate_time
FROM user_info_source;

-- user_info's Canal messages that the gmall-canal-json source does not apply, each with why,
-- counted in gmall_dead_letters. The columns are user_info_source's, as its DDL declares them (the
-- primary key NOT NULL), so a message is either applied or here, never both and never neither.
CREATE TEMPORARY VIEW user_info_dead_letters AS
SELECT '{{ topic_user_info }}' AS source_topic, count_dead_letter(reason) AS reason, record_text(line) AS `value`,
  CASE WHEN reason = 'invalid UTF-8' THEN TO_BASE64(line) END AS value_base64
FROM (
  SELECT line, canal_message_error(line,
    'id BIGINT NOT NULL', 'login_name STRING', 'nick_name STRING', 'passwd STRING', 'name STRING',
    'phone_num STRING', 'email STRING', 'head_img STRING', 'user_level STRING', 'birthday DATE',
    'gender STRING', 'create_time TIMESTAMP(0)', 'operate_time TIMESTAMP(0)') AS reason
  FROM user_info_messages
)
WHERE reason IS NOT NULL;
