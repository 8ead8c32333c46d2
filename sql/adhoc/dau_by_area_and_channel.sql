-- DAU by area and channel: for each business day, the devices active that day by the area and
-- channel of their first start that day. Read from GMALL_DAU in HBase, the DAU job's output (one
-- row per day and device; its row key is LOGDATE, a zero byte, MID).
SET 'execution.runtime-mode' = 'batch';

SELECT
  SUBSTRING(rowkey FROM 1 FOR 10) AS dt,
  F.AREA                          AS area,
  F.CH                            AS channel,
  COUNT(*)                        AS dau
FROM gmall_dau_sink
GROUP BY SUBSTRING(rowkey FROM 1 FOR 10), F.AREA, F.CH
ORDER BY dt, dau DESC, area, channel;
