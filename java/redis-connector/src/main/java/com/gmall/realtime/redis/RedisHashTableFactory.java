package com.gmall.realtime.redis;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * {@code 'connector' = 'redis-hash'}: a table with a one-column primary key kept as the Redis
 * hashes {@code <key-prefix><key>} (see {@link RedisHashSink}). The key column is BIGINT, INT or a
 * string; every other column is a string (the query casts), so that what lands in Redis is
 * decided in SQL, not here.
 */
public final class RedisHashTableFactory implements DynamicTableSinkFactory {

    public static final String IDENTIFIER = "redis-hash";

    public static final ConfigOption<String> HOST = ConfigOptions.key("host")
            .stringType()
            .noDefaultValue()
            .withDescription("The Redis server's host.");

    public static final ConfigOption<Integer> PORT = ConfigOptions.key("port")
            .intType()
            .defaultValue(6379)
            .withDescription("The Redis server's port.");

    public static final ConfigOption<String> PASSWORD = ConfigOptions.key("password")
            .stringType()
            .noDefaultValue()
            .withDescription("The Redis password; absent or empty: none.");

    public static final ConfigOption<String> KEY_PREFIX = ConfigOptions.key("key-prefix")
            .stringType()
            .noDefaultValue()
            .withDescription("Put before the primary key's value to make the hash's key, e.g. 'user:'.");

    public static final ConfigOption<Integer> BUFFER_FLUSH_MAX_ROWS = ConfigOptions.key("sink.buffer-flush.max-rows")
            .intType()
            .defaultValue(1000)
            .withDescription("The most rows buffered before they are written, in one transaction.");

    public static final ConfigOption<Duration> BUFFER_FLUSH_INTERVAL = ConfigOptions.key("sink.buffer-flush.interval")
            .durationType()
            .defaultValue(Duration.ofMillis(100))
            .withDescription("The longest a row stays buffered (a checkpoint writes it anyway); 0: only "
                    + "size and checkpoints flush.");

    public static final ConfigOption<Integer> MAX_RETRIES = ConfigOptions.key("sink.max-retries")
            .intType()
            .defaultValue(3)
            .withDescription("How often a batch that could not reach Redis is tried again, after 1 s, 2 s, "
                    + "4 s, ..., before the job fails and restarts from its last checkpoint.");

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(HOST, KEY_PREFIX);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(PORT, PASSWORD, BUFFER_FLUSH_MAX_ROWS, BUFFER_FLUSH_INTERVAL, MAX_RETRIES,
                FactoryUtil.SINK_PARALLELISM);
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        checkAtLeast(options, BUFFER_FLUSH_MAX_ROWS, 1);
        checkAtLeast(options, MAX_RETRIES, 0);
        if (options.get(BUFFER_FLUSH_INTERVAL).isNegative()) {
            throw new ValidationException("'" + BUFFER_FLUSH_INTERVAL.key() + "' must not be negative.");
        }

        int[] primaryKey = context.getPrimaryKeyIndexes();
        if (primaryKey.length != 1) {
            throw new ValidationException("Connector '" + IDENTIFIER + "' needs a PRIMARY KEY of exactly one "
                    + "column, the hashes' key; the table has " + primaryKey.length + ".");
        }
        int keyIndex = primaryKey[0];
        List<String> columnNames = DataType.getFieldNames(context.getPhysicalRowDataType());
        List<DataType> columnTypes = DataType.getFieldDataTypes(context.getPhysicalRowDataType());
        LogicalType keyType = columnTypes.get(keyIndex).getLogicalType();
        if (!keyType.is(LogicalTypeRoot.BIGINT) && !keyType.is(LogicalTypeRoot.INTEGER)
                && !keyType.is(LogicalTypeFamily.CHARACTER_STRING)) {
            throw new ValidationException("Primary key column '" + columnNames.get(keyIndex) + "' is " + keyType
                    + ": connector '" + IDENTIFIER + "' takes BIGINT, INT or STRING keys.");
        }
        for (int i = 0; i < columnNames.size(); i++) {
            LogicalType type = columnTypes.get(i).getLogicalType();
            if (i != keyIndex && !type.is(LogicalTypeFamily.CHARACTER_STRING)) {
                throw new ValidationException("Column '" + columnNames.get(i) + "' is " + type + ": connector '"
                        + IDENTIFIER + "' writes STRING columns only (cast the value in the query).");
            }
        }

        HashRowMapper rows = new HashRowMapper(options.get(KEY_PREFIX), columnNames, keyIndex, keyType.getTypeRoot());
        RedisHashSink sink = new RedisHashSink(options.get(HOST), options.get(PORT),
                options.getOptional(PASSWORD).orElse(null), rows, options.get(BUFFER_FLUSH_MAX_ROWS),
                options.get(BUFFER_FLUSH_INTERVAL), options.get(MAX_RETRIES));
        return new RedisHashTableSink(sink, options.getOptional(FactoryUtil.SINK_PARALLELISM).orElse(null));
    }

    private static void checkAtLeast(ReadableConfig options, ConfigOption<Integer> option, int least) {
        if (options.get(option) < least) {
            throw new ValidationException("'" + option.key() + "' must be at least " + least + ", not "
                    + options.get(option) + ".");
        }
    }
}
