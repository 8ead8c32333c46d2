from elasticsearch import Elasticsearch


def test_chinese_text_is_indexed_and_found(config, stack, unique):
    es = Elasticsearch(config.elasticsearch.url)
    index = f"smoke_{unique}"
    es.indices.create(index=index, body={"mappings": {"properties": {"sku_name": {"type": "text"}}}})
    try:
        es.index(index=index, id="1", body={"sku_name": "小米手机 红米Note 8 黑色"}, refresh="wait_for")
        es.index(index=index, id="2", body={"sku_name": "华为笔记本电脑"}, refresh="wait_for")
        hits = es.search(
            index=index, body={"query": {"match_phrase": {"sku_name": "手机"}}}
        )["hits"]["hits"]
        assert [hit["_id"] for hit in hits] == ["1"]
        assert hits[0]["_source"]["sku_name"] == "小米手机 红米Note 8 黑色"
    finally:
        es.indices.delete(index=index)
