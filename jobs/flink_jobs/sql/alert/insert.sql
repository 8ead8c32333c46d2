-- The coupon alert job's outputs, one statement set.
INSERT INTO coupon_alert_sink
SELECT id, mid, uids, item_ids, events, window_start, window_end, ts FROM coupon_alerts;

INSERT INTO dead_letter_sink SELECT source_topic, reason, `value`, value_base64 FROM app_log_dead_letters;
