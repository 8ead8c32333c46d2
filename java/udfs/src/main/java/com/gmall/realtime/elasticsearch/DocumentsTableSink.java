package com.gmall.realtime.elasticsearch;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.elasticsearch.sink.Elasticsearch7SinkBuilder;
import org.apache.flink.connector.elasticsearch.sink.FlushBackoffType;
import org.apache.flink.elasticsearch7.shaded.org.apache.http.HttpHost;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;

/** The {@link DocumentsTableFactory} sink: Flink's Elasticsearch 7 sink with {@link DocumentEmitter}. */
final class DocumentsTableSink implements DynamicTableSink {

    private final EncodingFormat<SerializationSchema<RowData>> format;
    private final DocumentLayout layout;
    private final BulkSettings bulk;
    private final Integer parallelism;

    DocumentsTableSink(EncodingFormat<SerializationSchema<RowData>> format, DocumentLayout layout, BulkSettings bulk,
                       Integer parallelism) {
        this.format = format;
        this.layout = layout;
        this.bulk = bulk;
        this.parallelism = parallelism;
    }

    /** Upserts by key: an update's old row is not needed. */
    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
        ChangelogMode.Builder mode = ChangelogMode.newBuilder();
        requestedMode.getContainedKinds().stream().filter(kind -> kind != RowKind.UPDATE_BEFORE)
                .forEach(mode::addContainedKind);
        return mode.build();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
        SerializationSchema<RowData> documents = format.createRuntimeEncoder(context, layout.documentType());
        Elasticsearch7SinkBuilder<RowData> builder = new Elasticsearch7SinkBuilder<RowData>()
                .setEmitter(new DocumentEmitter(layout, documents, bulk.hosts()))
                .setHosts(bulk.hosts().stream().map(HttpHost::create).toArray(HttpHost[]::new))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setBulkFlushMaxActions(bulk.maxActions())
                .setBulkFlushMaxSizeMb(bulk.maxSizeMb())
                .setBulkFlushInterval(bulk.intervalMs())
                .setBulkFlushBackoffStrategy(FlushBackoffType.EXPONENTIAL, bulk.backoffRetries(), bulk.backoffDelayMs());
        return SinkV2Provider.of(builder.build(), parallelism);
    }

    @Override
    public DynamicTableSink copy() {
        return new DocumentsTableSink(format, layout, bulk, parallelism);
    }

    @Override
    public String asSummaryString() {
        return DocumentsTableFactory.IDENTIFIER;
    }
}
