-- Start logs that do not count, for the dead-letter topic, each counted in gmall_dead_letters.
CREATE TEMPORARY VIEW start_log_dead_letters AS
SELECT '${topic_start}' AS source_topic, count_dead_letter(reason) AS reason, line AS `value`
FROM start_logs
WHERE reason IS NOT NULL;
