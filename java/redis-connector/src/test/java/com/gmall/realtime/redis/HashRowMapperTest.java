package com.gmall.realtime.redis;

import static com.gmall.realtime.redis.Rows.USERS;
import static com.gmall.realtime.redis.Rows.user;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

class HashRowMapperTest {

    private static Map<String, String> fields(String... namesAndValues) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return fields;
    }

    @Test
    void anInsertIsTheWholeRowUnderPrefixAndKeyTheKeyColumnIncluded() {
        HashWrite write = USERS.toWrite(user(RowKind.INSERT, 7, "alice", "Al"));
        assertEquals(new HashWrite.Replace("user:7", fields("id", "7", "login_name", "alice", "nick_name", "Al")),
                write);
        assertEquals(List.of("id", "login_name", "nick_name"),
                List.copyOf(((HashWrite.Replace) write).fields().keySet()), "fields in column order");
    }

    @Test
    void nullColumnsAreLeftOut() {
        assertEquals(new HashWrite.Replace("user:7", fields("id", "7", "nick_name", "Al")),
                USERS.toWrite(user(RowKind.UPDATE_AFTER, 7, null, "Al")));
    }

    @Test
    void anUpdatesNewRowReplacesAndItsOldRowDeletes() {
        assertEquals(new HashWrite.Replace("user:8", fields("id", "8", "login_name", "bob", "nick_name", "B")),
                USERS.toWrite(user(RowKind.UPDATE_AFTER, 8, "bob", "B")));
        assertEquals(new HashWrite.Delete("user:7"), USERS.toWrite(user(RowKind.UPDATE_BEFORE, 7, "bob", "B")));
    }

    @Test
    void aDeleteRemovesTheHash() {
        assertEquals(new HashWrite.Delete("user:7"), USERS.toWrite(user(RowKind.DELETE, 7, "alice", null)));
    }

    @Test
    void intAndStringKeysAreTheirText() {
        HashRowMapper byInt = new HashRowMapper("sku:", List.of("name", "id"), 1, LogicalTypeRoot.INTEGER);
        assertEquals(new HashWrite.Replace("sku:-3", fields("name", "pen", "id", "-3")),
                byInt.toWrite(GenericRowData.of(StringData.fromString("pen"), -3)));

        HashRowMapper byString = new HashRowMapper("", List.of("code", "name"), 0, LogicalTypeRoot.VARCHAR);
        assertEquals(new HashWrite.Delete("CN"), byString.toWrite(GenericRowData.ofKind(RowKind.DELETE,
                StringData.fromString("CN"), StringData.fromString("China"))));
    }
}
