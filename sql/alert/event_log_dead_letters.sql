-- Event logs that do not count, for the dead-letter topic, each counted in gmall_dead_letters.
CREATE TEMPORARY VIEW event_log_dead_letters AS
SELECT '${topic_event}' AS source_topic, count_dead_letter(reason) AS reason, line AS `value`
FROM event_logs
WHERE reason IS NOT NULL;
