-- Elasticsearch <name>-<yyyy-MM-dd> (by the order's create date; the index template <name>, made of
-- gmall_rt/schema/elasticsearch/sale_detail.json, puts every such index behind the alias <name>);
-- <name> is elasticsearch.sale_detail_index, gmall_sale_detail. One document per
-- order line, its id the order line's id, so a change of the order or the user rewrites it and a
-- replay after a restart writes the same documents again. Every pending bulk request is flushed
-- before a checkpoint completes (at least once), which with these ids gives exactly-once documents.
-- Amounts are written as plain decimal numbers, dt as yyyy-MM-dd.
CREATE TABLE sale_detail_sink WITH (
  'connector' = 'elasticsearch-7',
  'hosts' = '{{ elasticsearch_url }}',
  'index' = '{{ elasticsearch_sale_detail_index }}-{dt|yyyy-MM-dd}',
  'sink.flush-on-checkpoint' = 'true',
  'sink.bulk-flush.max-actions' = '2000',
  'sink.bulk-flush.interval' = '1s',
  'sink.bulk-flush.backoff.strategy' = 'EXPONENTIAL',
  'sink.bulk-flush.backoff.max-retries' = '5',
  'sink.bulk-flush.backoff.delay' = '200ms',
  'format' = 'json',
  'json.encode.decimal-as-plain-number' = 'true'
)
-- the documents' columns and key, as the joins emit them
LIKE sale_detail_changes (EXCLUDING OPTIONS);
