-- Every app log of the job's topic ({{ log_type }} logs from {{ log_source }}) with why it is a
-- dead letter (NULL when it counts): a parse error; 'clock skew' when its ts is more than
-- time.max_future_s ahead of its Kafka record's timestamp; or 'late' when its ts is more than the
-- allowed lateness behind the newest ts of the earlier valid logs of its Kafka partition.
-- A partition's order is fixed and one task judges it, in that order, with the newest ts kept in
-- the job's state and checkpointed with the partition's offset: a job restored from a checkpoint,
-- at any parallelism, judges exactly the logs an uninterrupted one would (a watermark is not kept
-- in checkpoints and starts again from nothing after a restore). partition_key keys a partition's
-- newest ts so that the partitions are judged by different tasks. A late log is behind that newest
-- ts and an invalid one has none, so the newest ts of all the earlier valid logs is that of the
-- earlier valid, on-time ones. The columns of the other kind of log are NULL.
CREATE TEMPORARY VIEW app_logs AS
SELECT
  line,
  rowtime,
  COALESCE(log.reason, CASE WHEN log.ts < newest_ts - {{ allowed_lateness_s }} * 1000 THEN 'late' END) AS reason,
  log.mid, log.uid, log.appid, log.area, log.os, log.ch, log.vs, log.evid, log.itemid, log.ts
FROM (
  SELECT line, rowtime, log,
    MAX(log.ts) OVER (PARTITION BY judged_partition ORDER BY proc_time
                      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS newest_ts
  FROM (
    SELECT line, rowtime, proc_time,
      partition_key(kafka_partition) AS judged_partition,
      parse_app_log(line, '{{ log_type }}', record_time, {{ max_future_ms }}) AS log
    FROM {{ log_source }}
  )
);
