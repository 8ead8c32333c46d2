package com.gmall.realtime.canal;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

import javax.annotation.Nullable;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.canal.CanalJsonDecodingFormat;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.ProjectableDecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.utils.DataTypeUtils;

/**
 * canal-json, failing on what it cannot read, behind {@link CanalMessageRules}. Projectable so that
 * the rules always see the table's whole physical row, whatever columns a query reads: a message
 * is applied or not as a whole, the same in every job that reads the table.
 *
 * <p>With a deleted column (the table's last, BOOLEAN) the table is read as row versions instead
 * of a changelog (see {@link RowVersions}); the rules and canal-json see the columns before it.
 */
final class CheckedCanalJsonDecodingFormat implements ProjectableDecodingFormat<DeserializationSchema<RowData>> {

    private final boolean ignoreParseErrors;
    @Nullable private final String deletedColumn;
    /** All databases and tables, failing on errors, Flink's SQL timestamps. */
    private final CanalJsonDecodingFormat canalJson =
            new CanalJsonDecodingFormat(null, null, false, TimestampFormat.SQL);

    CheckedCanalJsonDecodingFormat(boolean ignoreParseErrors, @Nullable String deletedColumn) {
        this.ignoreParseErrors = ignoreParseErrors;
        this.deletedColumn = deletedColumn;
    }

    @Override
    public DeserializationSchema<RowData> createRuntimeDecoder(
            DynamicTableSource.Context context, DataType physicalDataType, int[][] projections) {
        if (deletedColumn == null) {
            CanalMessageRules rules = CanalMessageRules.of((RowType) physicalDataType.getLogicalType());
            return new CheckedCanalJsonDeserializationSchema(
                    rules, canalJson.createRuntimeDecoder(context, physicalDataType, projections), ignoreParseErrors);
        }
        List<String> names = DataType.getFieldNames(physicalDataType);
        int last = names.size() - 1;
        if (!names.get(last).equals(deletedColumn)
                || !DataType.getFieldDataTypes(physicalDataType).get(last).getLogicalType().is(LogicalTypeRoot.BOOLEAN)) {
            throw new ValidationException("'gmall-canal-json.deleted-column' = '" + deletedColumn
                    + "' must name the table's last physical column, a BOOLEAN; the last is '" + names.get(last) + "'.");
        }
        DataType rowType = DataTypeUtils.projectRow(physicalDataType, IntStream.range(0, last).toArray());
        CanalMessageRules rules = CanalMessageRules.of((RowType) rowType.getLogicalType());
        int[][] everyColumn = IntStream.range(0, last).mapToObj(i -> new int[] {i}).toArray(int[][]::new);
        DeserializationSchema<RowData> changes = canalJson.createRuntimeDecoder(context, rowType, everyColumn);
        int[] projection = Arrays.stream(projections).mapToInt(path -> path[0]).toArray();
        DataType produced = DataTypeUtils.projectRow(physicalDataType, projection);
        return new CheckedCanalJsonDeserializationSchema(
                rules, new RowVersions(changes, projection, context.createTypeInformation(produced)), ignoreParseErrors);
    }

    @Override
    public ChangelogMode getChangelogMode() {
        return deletedColumn != null ? ChangelogMode.insertOnly() : canalJson.getChangelogMode();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CheckedCanalJsonDecodingFormat that && ignoreParseErrors == that.ignoreParseErrors
                && Objects.equals(deletedColumn, that.deletedColumn);
    }

    @Override
    public int hashCode() {
        return Objects.hash(CheckedCanalJsonDecodingFormat.class, ignoreParseErrors, deletedColumn);
    }
}
