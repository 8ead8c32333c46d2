package com.gmall.realtime.elasticsearch;

import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.ProjectedRowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Where a row's document goes and what it says: the index from the date column, the id from the
 * key column, and every column but the document flag as the document.
 */
final class DocumentLayout implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String indexPrefix;
    private final int dateColumn;
    private final int keyColumn;
    private final int flagColumn;
    private final RowData.FieldGetter key;
    private final int[] documentColumns;
    private final String[] names;
    private final LogicalType[] types;

    DocumentLayout(String indexPrefix, int dateColumn, int keyColumn, int flagColumn, DataType row) {
        this.indexPrefix = indexPrefix;
        this.dateColumn = dateColumn;
        this.keyColumn = keyColumn;
        this.flagColumn = flagColumn;
        List<String> allNames = DataType.getFieldNames(row);
        List<DataType> allTypes = DataType.getFieldDataTypes(row);
        this.key = RowData.createFieldGetter(allTypes.get(keyColumn).getLogicalType(), keyColumn);
        this.documentColumns = IntStream.range(0, allNames.size()).filter(i -> i != flagColumn).toArray();
        this.names = IntStream.of(documentColumns).mapToObj(allNames::get).toArray(String[]::new);
        this.types = IntStream.of(documentColumns).mapToObj(i -> allTypes.get(i).getLogicalType())
                .toArray(LogicalType[]::new);
    }

    /** The document's own columns: the row's without the flag. */
    DataType documentType() {
        List<DataTypes.Field> fields = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            fields.add(DataTypes.FIELD(names[i], DataTypes.of(types[i])));
        }
        return DataTypes.ROW(fields).notNull();
    }

    ProjectedRowData documentView() {
        return ProjectedRowData.from(documentColumns);
    }

    boolean hasDocument(RowData row) {
        return !row.isNullAt(flagColumn) && row.getBoolean(flagColumn);
    }

    String id(RowData row) {
        Object value = key.getFieldOrNull(row);
        if (value == null) {
            throw new IllegalArgumentException("A row without a document id (its key column is NULL).");
        }
        return value.toString();
    }

    /** The row's index, or null for a row without a date (which no document can have). */
    String index(RowData row) {
        return row.isNullAt(dateColumn) ? null : indexPrefix + LocalDate.ofEpochDay(row.getInt(dateColumn));
    }
}
