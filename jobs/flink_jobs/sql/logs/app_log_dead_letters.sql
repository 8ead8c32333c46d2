-- The app logs that do not count, for the dead-letter topic, each counted in gmall_dead_letters:
-- the record's text, or, for a record that is not UTF-8, its bytes in base64.
CREATE TEMPORARY VIEW app_log_dead_letters AS
SELECT '{{ log_topic }}' AS source_topic, count_dead_letter(reason) AS reason, record_text(line) AS `value`,
  CASE WHEN reason = 'invalid UTF-8' THEN TO_BASE64(line) END AS value_base64
FROM app_logs
WHERE reason IS NOT NULL;
