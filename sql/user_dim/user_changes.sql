-- user_info's Canal messages, each with why it cannot be read as the table's changelog (NULL when
-- it can). Only readable messages reach Redis; the others are dead letters.
CREATE TEMPORARY VIEW user_info_checked AS
SELECT line, canal_message_error(line,
  'id BIGINT NOT NULL', 'birthday DATE', 'create_time TIMESTAMP', 'operate_time TIMESTAMP') AS reason
FROM user_info_messages;

-- Each readable message applied to the hashes user:<id>, in topic order: an insert or update
-- replaces the hash with the row's columns (NULL columns left out), a delete removes it. Applying
-- a message again is harmless, so a replay from the last checkpoint ends in the same state.
CREATE TEMPORARY VIEW user_dim_writes AS
SELECT write_user_changes(line) AS rows_applied
FROM user_info_checked
WHERE reason IS NULL;

-- user_info's Canal messages that cannot be read, each counted in gmall_dead_letters.
CREATE TEMPORARY VIEW user_info_dead_letters AS
SELECT '${topic_user_info}' AS source_topic, count_dead_letter(reason) AS reason, line AS `value`
FROM user_info_checked
WHERE reason IS NOT NULL;
