-- gmall_report.gmv_hour in MariaDB, upserted by (dt, hr).
CREATE TABLE gmv_hour_sink (
  dt          DATE,
  hr          TINYINT,
  gmv         DECIMAL(16, 2),
  order_count BIGINT,
  PRIMARY KEY (dt, hr) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '{{ jdbc_report_url }}',
  'table-name' = 'gmv_hour',
  'username' = '{{ mariadb_user }}',
  'password' = '{{ mariadb_password }}',
  'sink.buffer-flush.interval' = '200ms'
);
