-- The user dimension: one Redis hash <redis.user_key_prefix><id> (user:<id>) per row of
-- gmall.user_info, its fields the row's non-NULL columns as text (java/redis-connector). An insert
-- or an update replaces the hash, a delete (or the old side of an update that changes the id)
-- removes it. The writes go in one Redis transaction per batch, flushed before every checkpoint;
-- writing a change again gives the same hash, so a replay after a restore ends in the same state:
-- exactly-once by key.
CREATE TABLE user_dim_sink (
  id           BIGINT,
  login_name   STRING,
  nick_name    STRING,
  name         STRING,
  phone_num    STRING,
  email        STRING,
  head_img     STRING,
  user_level   STRING,
  birthday     STRING,
  gender       STRING,
  create_time  STRING,
  operate_time STRING,
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'redis-hash',
  'host' = '{{ redis_host }}',
  'port' = '{{ redis_port }}',
  'password' = '{{ redis_password }}',
  'key-prefix' = '{{ redis_user_key_prefix }}',
  'sink.buffer-flush.max-rows' = '1000',
  'sink.buffer-flush.interval' = '100 ms'
);
