-- The app logs that do not count, for the dead-letter topic, each counted in gmall_dead_letters.
CREATE TEMPORARY VIEW app_log_dead_letters AS
SELECT '{{ log_topic }}' AS source_topic, count_dead_letter(reason) AS reason, line AS `value`
FROM app_logs
WHERE reason IS NOT NULL;
