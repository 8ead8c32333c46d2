package com.gmall.realtime.elasticsearch;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.elasticsearch.sink.ElasticsearchEmitter;
import org.apache.flink.connector.elasticsearch.sink.RequestIndexer;
import org.apache.flink.elasticsearch7.shaded.org.elasticsearch.action.delete.DeleteRequest;
import org.apache.flink.elasticsearch7.shaded.org.elasticsearch.action.index.IndexRequest;
import org.apache.flink.elasticsearch7.shaded.org.elasticsearch.common.xcontent.XContentType;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.ProjectedRowData;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * A row with a document is indexed whole under its id; a DELETE row, or one whose flag says it has
 * no document, deletes its id from its index, which is created first if it is not known to exist
 * (Elasticsearch fails a bulk deletion in a missing index; creating it applies the index template).
 */
final class DocumentEmitter implements ElasticsearchEmitter<RowData> {

    private static final long serialVersionUID = 1L;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final DocumentLayout layout;
    private final SerializationSchema<RowData> documents;
    private final List<String> hosts;

    private transient ProjectedRowData document;
    private transient HttpClient http;
    private transient Set<String> existingIndices;

    DocumentEmitter(DocumentLayout layout, SerializationSchema<RowData> documents, List<String> hosts) {
        this.layout = layout;
        this.documents = documents;
        this.hosts = hosts;
    }

    @Override
    public void open() throws Exception {
        documents.open(new SerializationSchema.InitializationContext() {
            @Override
            public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                return SimpleUserCodeClassLoader.create(DocumentEmitter.class.getClassLoader());
            }
        });
        document = layout.documentView();
        http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        existingIndices = new HashSet<>();
    }

    @Override
    public void emit(RowData row, SinkWriter.Context context, RequestIndexer indexer) {
        String id = layout.id(row);
        String index = layout.index(row);
        boolean upsert = row.getRowKind() == RowKind.INSERT || row.getRowKind() == RowKind.UPDATE_AFTER;
        if (upsert && layout.hasDocument(row)) {
            if (index == null) {
                throw new IllegalArgumentException("Document " + id + " has no date, so no index.");
            }
            existingIndices.add(index);  // indexing creates it
            byte[] source = documents.serialize(document.replaceRow(row));
            indexer.add(new IndexRequest(index).id(id).source(source, XContentType.JSON));
        } else if (index != null) {
            ensureExists(index);
            indexer.add(new DeleteRequest(index, id));
        }
    }

    private void ensureExists(String index) {
        if (existingIndices.contains(index)) {
            return;
        }
        IOException failure = null;
        for (String host : hosts) {
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(URI.create(host.replaceAll("/+$", "") + "/" + index))
                                .timeout(TIMEOUT).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 || response.body().contains("resource_already_exists_exception")) {
                    existingIndices.add(index);
                    return;
                }
                throw new IllegalStateException("Elasticsearch at " + host + " did not create index " + index
                        + ": HTTP " + response.statusCode() + " " + response.body());
            } catch (IOException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while creating index " + index, e);
            }
        }
        throw new IllegalStateException("No Elasticsearch host of " + hosts + " answered to create index " + index,
                failure);
    }
}
