-- The app's business tables, captured by Canal (as in the classic gmall project).
-- Created in the configured source database (mariadb.source_database, default gmall).

CREATE TABLE IF NOT EXISTS user_info (
  id           BIGINT       NOT NULL PRIMARY KEY,
  login_name   VARCHAR(200),
  nick_name    VARCHAR(200),
  passwd       VARCHAR(200),
  name         VARCHAR(200),
  phone_num    VARCHAR(200),
  email        VARCHAR(200),
  head_img     VARCHAR(200),
  user_level   VARCHAR(200),
  birthday     DATE,
  gender       CHAR(1) COMMENT 'M or F',
  create_time  DATETIME,
  operate_time DATETIME
);

CREATE TABLE IF NOT EXISTS order_info (
  id               BIGINT        NOT NULL PRIMARY KEY,
  consignee        VARCHAR(100),
  consignee_tel    VARCHAR(20),
  total_amount     DECIMAL(10,2),
  order_status     VARCHAR(20),
  user_id          BIGINT,
  payment_way      VARCHAR(20),
  delivery_address VARCHAR(1000),
  order_comment    VARCHAR(200),
  out_trade_no     VARCHAR(50),
  trade_body       VARCHAR(200),
  create_time      DATETIME,
  operate_time     DATETIME,
  expire_time      DATETIME,
  tracking_no      VARCHAR(100),
  parent_order_id  BIGINT,
  img_url          VARCHAR(200),
  province_id      INT
);

CREATE TABLE IF NOT EXISTS order_detail (
  id          BIGINT        NOT NULL PRIMARY KEY,
  order_id    BIGINT,
  sku_id      BIGINT,
  sku_name    VARCHAR(200),
  img_url     VARCHAR(200),
  order_price DECIMAL(10,2),
  sku_num     VARCHAR(200),
  create_time DATETIME
);
