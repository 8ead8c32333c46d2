-- The DAU job's outputs, one statement set.
INSERT INTO gmall_dau_sink
SELECT
  CONCAT(log_date, CHR(0), mid),
  ROW(uid, appid, area, os, ch, vs, to_phoenix(CAST(log_hour AS INT)), to_phoenix(ts), '')
FROM daily_first_starts;

INSERT INTO dau_hour_sink SELECT dt, hr, dau FROM dau_by_hour;

INSERT INTO dead_letter_sink SELECT source_topic, reason, `value`, value_base64 FROM app_log_dead_letters;
