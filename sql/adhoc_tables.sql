-- Tables only the SQL client registers (gmall-rt sql), for ad-hoc queries: the business tables of
-- MariaDB as they are now, read through JDBC. A query on them is bounded, so it runs in batch mode
-- and ends; the jobs read the same tables as Canal changelogs from Kafka (order_info_source, ...).

CREATE TABLE db_order_info (
  id               BIGINT,
  consignee        STRING,
  consignee_tel    STRING,
  total_amount     DECIMAL(10, 2),
  order_status     STRING,
  user_id          BIGINT,
  payment_way      STRING,
  delivery_address STRING,
  order_comment    STRING,
  out_trade_no     STRING,
  trade_body       STRING,
  create_time      TIMESTAMP(0),
  operate_time     TIMESTAMP(0),
  expire_time      TIMESTAMP(0),
  tracking_no      STRING,
  parent_order_id  BIGINT,
  img_url          STRING,
  province_id      INT,
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '{{ jdbc_source_url }}',
  'table-name' = 'order_info',
  'username' = '{{ mariadb_source_user }}',
  'password' = '{{ mariadb_source_password }}'
);

CREATE TABLE db_order_detail (
  id          BIGINT,
  order_id    BIGINT,
  sku_id      BIGINT,
  sku_name    STRING,
  img_url     STRING,
  order_price DECIMAL(10, 2),
  sku_num     STRING,
  create_time TIMESTAMP(0),
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '{{ jdbc_source_url }}',
  'table-name' = 'order_detail',
  'username' = '{{ mariadb_source_user }}',
  'password' = '{{ mariadb_source_password }}'
);

CREATE TABLE db_user_info (
  id           BIGINT,
  login_name   STRING,
  nick_name    STRING,
  passwd       STRING,
  name         STRING,
  phone_num    STRING,
  email        STRING,
  head_img     STRING,
  user_level   STRING,
  birthday     DATE,
  gender       STRING,
  create_time  TIMESTAMP(0),
  operate_time TIMESTAMP(0),
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '{{ jdbc_source_url }}',
  'table-name' = 'user_info',
  'username' = '{{ mariadb_source_user }}',
  'password' = '{{ mariadb_source_password }}'
);
