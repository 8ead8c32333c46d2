package com.gmall.realtime.canal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.canal.CanalJsonDecodingFormat;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

/** A table of every kind of column the rules know, and its formats run outside a job. */
final class CanalFormats {

    /** As a source DDL declares it: the primary key makes id NOT NULL. */
    static final DataType TABLE = DataTypes.ROW(
            DataTypes.FIELD("id", DataTypes.BIGINT().notNull()),
            DataTypes.FIELD("consignee", DataTypes.STRING()),
            DataTypes.FIELD("total_amount", DataTypes.DECIMAL(10, 2)),
            DataTypes.FIELD("user_id", DataTypes.BIGINT()),
            DataTypes.FIELD("province_id", DataTypes.INT()),
            DataTypes.FIELD("birthday", DataTypes.DATE()),
            DataTypes.FIELD("create_time", DataTypes.TIMESTAMP(0)),
            DataTypes.FIELD("paid_time", DataTypes.TIMESTAMP(3)));

    /** The same columns as the dead-letter function is given them. */
    static final String[] DECLARATIONS = {
        "id BIGINT NOT NULL", "consignee STRING", "total_amount DECIMAL(10, 2)", "user_id BIGINT",
        "province_id INT", "birthday DATE", "create_time TIMESTAMP(0)", "paid_time TIMESTAMP(3)"};

    private static final DynamicTableSource.Context CONTEXT = new DynamicTableSource.Context() {
        @Override
        @SuppressWarnings("unchecked")
        public <T> TypeInformation<T> createTypeInformation(DataType producedDataType) {
            return (TypeInformation<T>) TypeInformation.of(RowData.class);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> TypeInformation<T> createTypeInformation(LogicalType producedLogicalType) {
            return (TypeInformation<T>) TypeInformation.of(RowData.class);
        }

        @Override
        public DynamicTableSource.DataStructureConverter createDataStructureConverter(DataType producedDataType) {
            throw new UnsupportedOperationException();
        }
    };

    private CanalFormats() {
    }

    /** The gmall-canal-json decoder of {@link #TABLE}, opened; its gap counter in {@code metrics}. */
    static DeserializationSchema<RowData> checked(boolean ignoreParseErrors, Metrics metrics) throws Exception {
        return open(new CheckedCanalJsonDecodingFormat(ignoreParseErrors, null).createRuntimeDecoder(CONTEXT, TABLE),
                metrics);
    }

    /** {@link #TABLE} with a last column {@code deleted}, read by gmall-canal-json as row versions. */
    static final DataType VERSIONS = org.apache.flink.table.types.utils.DataTypeUtils.appendRowFields(
            TABLE, List.of(DataTypes.FIELD("deleted", DataTypes.BOOLEAN())));

    /** The gmall-canal-json decoder of {@link #VERSIONS}, reading {@code projection} of its columns. */
    static DeserializationSchema<RowData> versions(int... projection) throws Exception {
        int[][] paths = java.util.Arrays.stream(projection).mapToObj(i -> new int[] {i}).toArray(int[][]::new);
        return open(new CheckedCanalJsonDecodingFormat(true, "deleted").createRuntimeDecoder(CONTEXT, VERSIONS, paths),
                new Metrics());
    }

    /** Flink's canal-json decoder of {@link #TABLE}, opened. */
    static DeserializationSchema<RowData> canalJson(boolean ignoreParseErrors) throws Exception {
        return open(new CanalJsonDecodingFormat(null, null, ignoreParseErrors, TimestampFormat.SQL)
                .createRuntimeDecoder(CONTEXT, TABLE), new Metrics());
    }

    static DeserializationSchema<RowData> open(DeserializationSchema<RowData> schema, Metrics metrics)
            throws Exception {
        schema.open(new DeserializationSchema.InitializationContext() {
            @Override
            public Metrics getMetricGroup() {
                return metrics;
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                return SimpleUserCodeClassLoader.create(CanalFormats.class.getClassLoader());
            }
        });
        return schema;
    }

    /** The rows a decoder emits for one message (an exception propagates). */
    static List<RowData> rows(DeserializationSchema<RowData> schema, byte[] message) throws IOException {
        List<RowData> rows = new ArrayList<>();
        schema.deserialize(message, new ListCollector<>(rows));
        return rows;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Counters that can be read back. */
    static final class Metrics extends UnregisteredMetricsGroup {
        final Map<String, Counter> counters = new HashMap<>();

        @Override
        public Counter counter(String name) {
            return counters.computeIfAbsent(name, unused -> new SimpleCounter());
        }

        long count(String name) {
            return counters.containsKey(name) ? counters.get(name).getCount() : 0;
        }
    }
}
