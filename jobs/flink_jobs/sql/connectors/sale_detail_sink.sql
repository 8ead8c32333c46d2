-- Elasticsearch <name>-<yyyy-MM-dd> (by the order's create date; the index template <name>, made of
-- gmall_rt/schema/elasticsearch/sale_detail.json, puts every such index behind the alias <name>);
-- <name> is elasticsearch.sale_detail_index, gmall_sale_detail. One document per order line, its id
-- the order line's id, so a change of the order or the user rewrites it. The job sends every line
-- it has seen with its order, has_document FALSE where the line, its order or its user is gone:
-- that deletes the document (java/udfs DocumentsTableFactory), even one this job never wrote
-- since its restore. Every pending bulk request is written before a checkpoint completes (at least
-- once), and a restored job sends each line again as it now is, so the documents end exactly-once.
-- Amounts are written as plain decimal numbers, dt as yyyy-MM-dd.
CREATE TABLE sale_detail_sink (
  order_detail_id BIGINT,
  order_id        BIGINT,
  order_status    STRING,
  create_time     STRING,
  dt              DATE,
  user_id         BIGINT,
  user_gender     STRING,
  user_age        INT,
  user_level      STRING,
  sku_id          BIGINT,
  sku_name        STRING,
  sku_price       DECIMAL(10, 2),
  sku_num         BIGINT,
  province_id     INT,
  total_amount    DECIMAL(10, 2),
  has_document    BOOLEAN,
  PRIMARY KEY (order_detail_id) NOT ENFORCED
) WITH (
  'connector' = 'gmall-elasticsearch-7',
  'hosts' = '{{ elasticsearch_url }}',
  'index' = '{{ elasticsearch_sale_detail_index }}-{dt|yyyy-MM-dd}',
  'document-flag' = 'has_document',
  'sink.bulk-flush.max-actions' = '2000',
  'sink.bulk-flush.interval' = '100ms',
  'sink.bulk-flush.backoff.max-retries' = '5',
  'sink.bulk-flush.backoff.delay' = '200ms',
  'format' = 'json',
  'json.encode.decimal-as-plain-number' = 'true'
);
