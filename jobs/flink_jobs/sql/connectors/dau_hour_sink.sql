-- gmall_report.dau_hour in MariaDB, upserted by (dt, hr).
CREATE TABLE dau_hour_sink (
  dt  DATE,
  hr  TINYINT,
  dau BIGINT,
  PRIMARY KEY (dt, hr) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '{{ jdbc_report_url }}',
  'table-name' = 'dau_hour',
  'username' = '{{ mariadb_user }}',
  'password' = '{{ mariadb_password }}',
  'sink.buffer-flush.interval' = '200ms'
);
