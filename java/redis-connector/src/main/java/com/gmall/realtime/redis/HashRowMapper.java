package com.gmall.realtime.redis;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * A row of the sink table as the change of its Redis hash: the key is {@code keyPrefix} + the
 * primary key's value as text; the fields are the columns by name, the key column included (the
 * hashes have always held their id), NULL columns left out. An insert or an update's new row
 * replaces the hash; a delete or an update's old row removes it, so an update that changes the key
 * removes the old key.
 *
 * <p>The key column is BIGINT, INT or a character string, every other column a character string:
 * the factory checks that, the query casts.
 */
final class HashRowMapper implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String keyPrefix;
    private final String[] columnNames;
    private final int keyIndex;
    private final LogicalTypeRoot keyType;

    HashRowMapper(String keyPrefix, List<String> columnNames, int keyIndex, LogicalTypeRoot keyType) {
        this.keyPrefix = keyPrefix;
        this.columnNames = columnNames.toArray(String[]::new);
        this.keyIndex = keyIndex;
        this.keyType = keyType;
    }

    HashWrite toWrite(RowData row) {
        String keyText = keyText(row);
        String key = keyPrefix + keyText;
        return switch (row.getRowKind()) {
            case INSERT, UPDATE_AFTER -> new HashWrite.Replace(key, fields(row, keyText));
            case UPDATE_BEFORE, DELETE -> new HashWrite.Delete(key);
        };
    }

    private String keyText(RowData row) {
        return switch (keyType) {
            case BIGINT -> Long.toString(row.getLong(keyIndex));
            case INTEGER -> Integer.toString(row.getInt(keyIndex));
            default -> row.getString(keyIndex).toString();
        };
    }

    private Map<String, String> fields(RowData row, String keyText) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < columnNames.length; i++) {
            if (i == keyIndex) {
                fields.put(columnNames[i], keyText);
            } else if (!row.isNullAt(i)) {
                fields.put(columnNames[i], row.getString(i).toString());
            }
        }
        return fields;
    }
}
