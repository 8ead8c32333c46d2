package com.gmall.realtime.redis;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.catalog.CatalogTable;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.catalog.ResolvedCatalogTable;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/** The factory as the planner finds and calls it, by {@code 'connector' = 'redis-hash'}. */
class RedisHashTableFactoryTest {

    private static final List<Column> USER_COLUMNS = List.of(
            Column.physical("id", DataTypes.BIGINT().notNull()),
            Column.physical("login_name", DataTypes.STRING()),
            Column.physical("nick_name", DataTypes.STRING()));

    private static Map<String, String> options(String... extraKeysAndValues) {
        Map<String, String> options =
                new HashMap<>(Map.of("connector", "redis-hash", "host", "redis", "key-prefix", "user:"));
        for (int i = 0; i < extraKeysAndValues.length; i += 2) {
            options.put(extraKeysAndValues[i], extraKeysAndValues[i + 1]);
        }
        return options;
    }

    private static DynamicTableSink create(List<Column> columns, List<String> primaryKey, Map<String, String> options) {
        ResolvedSchema schema = new ResolvedSchema(columns, List.of(),
                primaryKey.isEmpty() ? null : UniqueConstraint.primaryKey("pk", primaryKey));
        CatalogTable table = CatalogTable.newBuilder()
                .schema(Schema.newBuilder().fromResolvedSchema(schema).build())
                .options(options)
                .build();
        return FactoryUtil.createDynamicTableSink(null,
                ObjectIdentifier.of("default_catalog", "default_database", "user_dim_sink"),
                new ResolvedCatalogTable(table, schema), new Configuration(),
                RedisHashTableFactoryTest.class.getClassLoader(), true);
    }

    /** The messages of {@code failure} and its causes: the planner wraps the factory's. */
    private static String messages(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.append(cause.getMessage()).append('\n');
        }
        return messages.toString();
    }

    private static void assertRejected(String expectedMessagePart, List<Column> columns, List<String> primaryKey,
            Map<String, String> options) {
        String messages = messages(assertThrows(RuntimeException.class, () -> create(columns, primaryKey, options)));
        assertTrue(messages.contains(expectedMessagePart), messages);
    }

    @Test
    void aUserTableIsAFullChangelogSinkThatSerializes() throws Exception {
        DynamicTableSink tableSink = create(USER_COLUMNS, List.of("id"),
                options("sink.parallelism", "2", "sink.buffer-flush.interval", "0 ms", "password", ""));
        assertTrue(tableSink.getChangelogMode(ChangelogMode.insertOnly()).contains(RowKind.UPDATE_BEFORE));
        SinkV2Provider provider = assertInstanceOf(SinkV2Provider.class, tableSink.getSinkRuntimeProvider(null));
        assertTrue(provider.getParallelism().filter(parallelism -> parallelism == 2).isPresent());
        Sink<RowData> sink = provider.createSink();
        InstantiationUtil.clone(sink, RedisHashTableFactoryTest.class.getClassLoader());
    }

    @Test
    void aStringKeyIsAccepted() {
        List<Column> columns = List.of(Column.physical("code", DataTypes.STRING().notNull()),
                Column.physical("name", DataTypes.STRING()));
        create(columns, List.of("code"), options());
    }

    @Test
    void aTableWithoutPrimaryKeyIsRejected() {
        assertRejected("needs a PRIMARY KEY of exactly one column", USER_COLUMNS, List.of(), options());
    }

    @Test
    void aTwoColumnPrimaryKeyIsRejected() {
        assertRejected("needs a PRIMARY KEY of exactly one column", USER_COLUMNS, List.of("id", "login_name"),
                options());
    }

    @Test
    void aColumnThatIsNoStringIsRejected() {
        List<Column> columns = List.of(Column.physical("id", DataTypes.BIGINT().notNull()),
                Column.physical("birthday", DataTypes.DATE()));
        assertRejected("Column 'birthday' is DATE",
                columns, List.of("id"), options());
    }

    @Test
    void aKeyThatIsNoIntegerOrStringIsRejected() {
        List<Column> columns = List.of(Column.physical("day", DataTypes.DATE().notNull()),
                Column.physical("name", DataTypes.STRING()));
        assertRejected("Primary key column 'day' is DATE NOT NULL", columns, List.of("day"), options());
    }

    @Test
    void anUnknownOptionIsRejected() {
        assertRejected("Unsupported options", USER_COLUMNS, List.of("id"), options("key-prefx", "user:"));
    }

    @Test
    void aMissingKeyPrefixIsRejected() {
        Map<String, String> options = options();
        options.remove("key-prefix");
        assertRejected("Missing required options", USER_COLUMNS, List.of("id"), options);
    }

    @Test
    void anEmptyBufferIsRejected() {
        assertRejected("'sink.buffer-flush.max-rows' must be at least 1", USER_COLUMNS, List.of("id"),
                options("sink.buffer-flush.max-rows", "0"));
    }
}
