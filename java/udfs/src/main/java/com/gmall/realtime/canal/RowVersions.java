package com.gmall.realtime.canal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.JoinedRowData;
import org.apache.flink.table.data.utils.ProjectedRowData;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * canal-json's changes as row versions, the table's deleted column after the row: each insert or
 * update is the row as it now is (deleted FALSE), each deletion the deleted row with its values
 * (deleted TRUE, a tombstone); all of them inserts, so that a deletion does not erase what the row
 * was. An update's old values (UPDATE_BEFORE) are dropped: an update that changes the primary key
 * reads as a new row, its old key kept as it was.
 */
final class RowVersions implements DeserializationSchema<RowData> {

    private static final long serialVersionUID = 1L;
    private static final RowData LIVE = GenericRowData.of(false);
    private static final RowData DELETED = GenericRowData.of(true);

    private final DeserializationSchema<RowData> changes;
    /** The columns the query reads, of the row and its deleted column. */
    private final int[] projection;
    private final TypeInformation<RowData> producedType;

    RowVersions(DeserializationSchema<RowData> changes, int[] projection, TypeInformation<RowData> producedType) {
        this.changes = changes;
        this.projection = projection;
        this.producedType = producedType;
    }

    @Override
    public void open(InitializationContext context) throws Exception {
        changes.open(context);
    }

    @Override
    public RowData deserialize(byte[] message) {
        throw new UnsupportedOperationException(
                "a Canal message has any number of rows: deserialize(byte[], Collector)");
    }

    @Override
    public void deserialize(byte[] message, Collector<RowData> out) throws IOException {
        List<RowData> rows = new ArrayList<>();
        changes.deserialize(message, new ListCollector<>(rows));
        for (RowData row : rows) {
            RowKind kind = row.getRowKind();
            if (kind == RowKind.UPDATE_BEFORE) {
                continue;
            }
            RowData version = new JoinedRowData(RowKind.INSERT, row, kind == RowKind.DELETE ? DELETED : LIVE);
            out.collect(ProjectedRowData.from(projection).replaceRow(version));
        }
    }

    @Override
    public boolean isEndOfStream(RowData nextElement) {
        return false;
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
        return producedType;
    }
}
