package com.gmall.realtime.canal;

import java.util.Set;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * {@code 'format' = 'gmall-canal-json'}: Flink's {@code canal-json} that applies a Canal message
 * only when {@link CanalMessageRules} accept it for the table's physical row, and then all its
 * rows or none (see {@link CheckedCanalJsonDeserializationSchema}). The dead-letter function
 * {@code canal_message_error} reports exactly the messages it does not apply.
 */
public final class CheckedCanalJsonFormatFactory implements DeserializationFormatFactory {

    public static final String IDENTIFIER = "gmall-canal-json";

    public static final ConfigOption<Boolean> IGNORE_PARSE_ERRORS = ConfigOptions.key("ignore-parse-errors")
            .booleanType()
            .defaultValue(false)
            .withDescription("Skip a message that cannot be applied instead of failing the job, as "
                    + "canal-json.ignore-parse-errors does (the job reports it as a dead letter).");

    public static final ConfigOption<String> DELETED_COLUMN = ConfigOptions.key("deleted-column")
            .stringType()
            .noDefaultValue()
            .withDescription("Read the table as row versions, not as a changelog: every change is an insert "
                    + "of the row as it now is, and a deletion the deleted row with this column TRUE. The "
                    + "table's last physical column, a BOOLEAN; Canal's rows have no such field.");

    @Override
    public DecodingFormat<DeserializationSchema<RowData>> createDecodingFormat(
            DynamicTableFactory.Context context, ReadableConfig formatOptions) {
        FactoryUtil.validateFactoryOptions(this, formatOptions);
        return new CheckedCanalJsonDecodingFormat(
                formatOptions.get(IGNORE_PARSE_ERRORS), formatOptions.getOptional(DELETED_COLUMN).orElse(null));
    }

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(IGNORE_PARSE_ERRORS, DELETED_COLUMN);
    }
}
