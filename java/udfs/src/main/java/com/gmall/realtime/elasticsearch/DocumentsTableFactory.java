package com.gmall.realtime.elasticsearch;

import static org.apache.flink.connector.elasticsearch.table.ElasticsearchConnectorOptions.BULK_FLUSH_BACKOFF_DELAY_OPTION;
import static org.apache.flink.connector.elasticsearch.table.ElasticsearchConnectorOptions.BULK_FLUSH_BACKOFF_MAX_RETRIES_OPTION;
import static org.apache.flink.connector.elasticsearch.table.ElasticsearchConnectorOptions.BULK_FLUSH_INTERVAL_OPTION;
import static org.apache.flink.connector.elasticsearch.table.ElasticsearchConnectorOptions.BULK_FLUSH_MAX_ACTIONS_OPTION;
import static org.apache.flink.connector.elasticsearch.table.ElasticsearchConnectorOptions.BULK_FLUSH_MAX_SIZE_OPTION;
import static org.apache.flink.connector.elasticsearch.table.ElasticsearchConnectorOptions.FORMAT_OPTION;
import static org.apache.flink.connector.elasticsearch.table.ElasticsearchConnectorOptions.HOSTS_OPTION;
import static org.apache.flink.connector.elasticsearch.table.ElasticsearchConnectorOptions.INDEX_OPTION;

import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.SerializationFormatFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * {@code 'connector' = 'gmall-elasticsearch-7'}: documents in daily Elasticsearch indices, one per
 * primary key (a BIGINT, INT or string column), where a row can also say that its key has no
 * document. Every option means what it means for {@code elasticsearch-7}, with two differences:
 * <ul>
 *   <li>{@code 'document-flag'} names a BOOLEAN column that is not written: a row with it FALSE or
 *   NULL deletes the key's document, as a DELETE row does. A job whose changelog can lose track
 *   of a document (a join whose inputs interleave differently after a restore) sends such rows.</li>
 *   <li>{@code 'index'} is {@code <name>{<DATE column>|yyyy-MM-dd}}, and an index is created
 *   before the first deletion in it, where {@code elasticsearch-7} fails the job on an index
 *   that does not exist yet.</li>
 * </ul>
 * Every pending request is written before a checkpoint completes (at least once; with the keys as
 * ids, each document ends as the last row of its key says).
 */
public final class DocumentsTableFactory implements DynamicTableSinkFactory {

    public static final String IDENTIFIER = "gmall-elasticsearch-7";

    public static final ConfigOption<String> DOCUMENT_FLAG = ConfigOptions.key("document-flag")
            .stringType()
            .noDefaultValue()
            .withDescription("A BOOLEAN column, not written: FALSE or NULL deletes the row's document.");

    private static final Pattern DAILY_INDEX = Pattern.compile("(.+)\\{(\\w+)\\|yyyy-MM-dd\\}");

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(HOSTS_OPTION, INDEX_OPTION, DOCUMENT_FLAG);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(FORMAT_OPTION, BULK_FLUSH_MAX_ACTIONS_OPTION, BULK_FLUSH_MAX_SIZE_OPTION,
                BULK_FLUSH_INTERVAL_OPTION, BULK_FLUSH_BACKOFF_MAX_RETRIES_OPTION, BULK_FLUSH_BACKOFF_DELAY_OPTION,
                FactoryUtil.SINK_PARALLELISM);
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        EncodingFormat<SerializationSchema<RowData>> format =
                helper.discoverEncodingFormat(SerializationFormatFactory.class, FORMAT_OPTION);
        helper.validate();
        ReadableConfig options = helper.getOptions();

        DataType row = context.getPhysicalRowDataType();
        List<String> names = DataType.getFieldNames(row);
        List<DataType> types = DataType.getFieldDataTypes(row);
        int[] primaryKey = context.getPrimaryKeyIndexes();
        if (primaryKey.length != 1) {
            throw new ValidationException("Connector '" + IDENTIFIER + "' needs a PRIMARY KEY of one column, "
                    + "the documents' id; the table has " + primaryKey.length + ".");
        }
        LogicalType keyType = types.get(primaryKey[0]).getLogicalType();
        if (!keyType.is(LogicalTypeRoot.BIGINT) && !keyType.is(LogicalTypeRoot.INTEGER)
                && !keyType.is(LogicalTypeFamily.CHARACTER_STRING)) {
            throw new ValidationException("Primary key column '" + names.get(primaryKey[0]) + "' is " + keyType
                    + ": connector '" + IDENTIFIER + "' takes BIGINT, INT or STRING ids.");
        }
        Matcher index = DAILY_INDEX.matcher(options.get(INDEX_OPTION));
        if (!index.matches()) {
            throw new ValidationException("'index' = '" + options.get(INDEX_OPTION) + "': connector '" + IDENTIFIER
                    + "' writes daily indices, '<name>{<DATE column>|yyyy-MM-dd}'.");
        }
        int dateColumn = column(names, index.group(2), "index");
        if (!types.get(dateColumn).getLogicalType().is(LogicalTypeRoot.DATE)) {
            throw new ValidationException("Index column '" + index.group(2) + "' must be a DATE.");
        }
        int flagColumn = column(names, options.get(DOCUMENT_FLAG), DOCUMENT_FLAG.key());
        if (!types.get(flagColumn).getLogicalType().is(LogicalTypeRoot.BOOLEAN)) {
            throw new ValidationException("'" + DOCUMENT_FLAG.key() + "' column '" + names.get(flagColumn)
                    + "' must be a BOOLEAN.");
        }

        DocumentLayout layout = new DocumentLayout(index.group(1), dateColumn, primaryKey[0], flagColumn, row);
        BulkSettings bulk = new BulkSettings(options.get(HOSTS_OPTION), options.get(BULK_FLUSH_MAX_ACTIONS_OPTION),
                options.get(BULK_FLUSH_MAX_SIZE_OPTION).getMebiBytes(), options.get(BULK_FLUSH_INTERVAL_OPTION).toMillis(),
                options.getOptional(BULK_FLUSH_BACKOFF_MAX_RETRIES_OPTION).orElse(5),
                options.getOptional(BULK_FLUSH_BACKOFF_DELAY_OPTION).map(d -> d.toMillis()).orElse(200L));
        return new DocumentsTableSink(format, layout, bulk, options.getOptional(FactoryUtil.SINK_PARALLELISM).orElse(null));
    }

    private static int column(List<String> names, String name, String option) {
        int index = names.indexOf(name);
        if (index < 0) {
            throw new ValidationException("'" + option + "' names column '" + name + "', which the table does not have.");
        }
        return index;
    }
}
