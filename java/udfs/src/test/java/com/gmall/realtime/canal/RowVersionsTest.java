package com.gmall.realtime.canal;

import static com.gmall.realtime.canal.CanalFormats.rows;
import static com.gmall.realtime.canal.CanalFormats.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.IntStream;

import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/** gmall-canal-json with a deleted column: Canal's changes as row versions, deletions as tombstones. */
class RowVersionsTest {

    private static final int[] EVERY_COLUMN = IntStream.range(0, 9).toArray();
    private static final String ROW = "{\"id\":\"1\",\"consignee\":\"李四\",\"create_time\":\"2026-11-20 10:30:05\"}";
    private static final String SECOND = "{\"id\":\"2\",\"consignee\":\"王五\",\"create_time\":\"2026-11-21 08:00:00\"}";

    private static String message(String type, String data, String old) {
        return "{\"data\":" + data + ",\"database\":\"gmall\",\"table\":\"order_info\",\"type\":\"" + type
                + "\",\"isDdl\":false,\"old\":" + old + ",\"es\":0,\"ts\":0}";
    }

    private static List<RowData> versions(String message, int... projection) throws Exception {
        return rows(CanalFormats.versions(projection), utf8(message));
    }

    @Test
    void anInsertAndAnUpdateAreTheRowAsItNowIs() throws Exception {
        List<RowData> inserted = versions(message("INSERT", "[" + ROW + "]", "null"), EVERY_COLUMN);
        List<RowData> updated = versions(message("UPDATE", "[" + ROW.replace("李四", "张三") + "]",
                "[{\"consignee\":\"李四\"}]"), EVERY_COLUMN);
        assertEquals(1, inserted.size());
        assertEquals(1, updated.size(), "the update's old values are not a version");
        for (RowData row : List.of(inserted.get(0), updated.get(0))) {
            assertEquals(RowKind.INSERT, row.getRowKind());
            assertEquals(1L, row.getLong(0));
            assertEquals(false, row.getBoolean(8));
        }
        assertEquals("张三", updated.get(0).getString(1).toString());
    }

    @Test
    void aDeletionIsATombstoneThatKeepsTheDeletedRowsValues() throws Exception {
        List<RowData> deleted = versions(message("DELETE", "[" + ROW + "," + SECOND + "]", "null"), EVERY_COLUMN);
        assertEquals(2, deleted.size());
        assertEquals(RowKind.INSERT, deleted.get(1).getRowKind());
        assertEquals(2L, deleted.get(1).getLong(0));
        assertEquals("王五", deleted.get(1).getString(1).toString());
        assertEquals("2026-11-21T08:00", deleted.get(1).getTimestamp(6, 0).toLocalDateTime().toString());
        assertEquals(true, deleted.get(0).getBoolean(8) && deleted.get(1).getBoolean(8));
    }

    @Test
    void aQueryReadsOnlyItsColumnsInItsOrder() throws Exception {
        RowData row = versions(message("DELETE", "[" + ROW + "]", "null"), 8, 0).get(0);
        assertEquals(2, row.getArity());
        assertEquals(true, row.getBoolean(0));
        assertEquals(1L, row.getLong(1));
    }

    @Test
    void aMessageTheRulesRejectGivesNoVersion() throws Exception {
        assertEquals(List.of(), versions(message("DELETE", "[{\"id\":\"x\"}]", "null"), EVERY_COLUMN));
    }

    @Test
    void theDeletedColumnMustBeTheLastABoolean() {
        assertThrows(ValidationException.class, () -> new CheckedCanalJsonDecodingFormat(true, "consignee")
                .createRuntimeDecoder(null, CanalFormats.TABLE, new int[][] {{0}}));
    }
}
