package com.gmall.realtime.canal;

import java.util.Objects;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.canal.CanalJsonDecodingFormat;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.ProjectableDecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

/**
 * canal-json, failing on what it cannot read, behind {@link CanalMessageRules}. Projectable so that
 * the rules always see the table's whole physical row, whatever columns a query reads: a message
 * is applied or not as a whole, the same in every job that reads the table.
 */
final class CheckedCanalJsonDecodingFormat implements ProjectableDecodingFormat<DeserializationSchema<RowData>> {

    private final boolean ignoreParseErrors;
    /** All databases and tables, failing on errors, Flink's SQL timestamps. */
    private final CanalJsonDecodingFormat canalJson =
            new CanalJsonDecodingFormat(null, null, false, TimestampFormat.SQL);

    CheckedCanalJsonDecodingFormat(boolean ignoreParseErrors) {
        this.ignoreParseErrors = ignoreParseErrors;
    }

    @Override
    public DeserializationSchema<RowData> createRuntimeDecoder(
            DynamicTableSource.Context context, DataType physicalDataType, int[][] projections) {
        CanalMessageRules rules = CanalMessageRules.of((RowType) physicalDataType.getLogicalType());
        return new CheckedCanalJsonDeserializationSchema(
                rules, canalJson.createRuntimeDecoder(context, physicalDataType, projections), ignoreParseErrors);
    }

    @Override
    public ChangelogMode getChangelogMode() {
        return canalJson.getChangelogMode();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CheckedCanalJsonDecodingFormat that && ignoreParseErrors == that.ignoreParseErrors;
    }

    @Override
    public int hashCode() {
        return Objects.hash(CheckedCanalJsonDecodingFormat.class, ignoreParseErrors);
    }
}
