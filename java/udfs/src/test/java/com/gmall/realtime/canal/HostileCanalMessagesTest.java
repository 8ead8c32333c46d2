package com.gmall.realtime.canal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.gmall.realtime.udf.CanalMessageCheck;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.json.JsonReadFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/**
 * 20,000 drawn Kafka values of a Canal topic, valid and hostile, each through the rules, the
 * dead-letter function, the gmall-canal-json format and Flink's canal-json (failing on errors):
 * the function gives a reason exactly when the format applies nothing; a message the rules accept
 * decodes in canal-json without error, and the format emits all its rows, each exactly as the
 * message's text says; and canal-json never fails on a message the rules accept (no gap).
 */
class HostileCanalMessagesTest {

    private static final long SEED = 20_261_205L;
    private static final int MESSAGES = 20_000;
    private static final RowType TABLE = (RowType) CanalFormats.TABLE.getLogicalType();
    /** Raw control characters in strings, as Canal's readers take them. */
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS.mappedFeature());

    @Test
    void everyMessageIsAppliedWholeAndExactlyOrIsADeadLetterAndNeverBoth() throws Exception {
        CanalMessageRules rules = CanalMessageRules.of(TABLE);
        CanalMessageCheck deadLetterFunction = new CanalMessageCheck();
        CanalFormats.Metrics metrics = new CanalFormats.Metrics();
        DeserializationSchema<RowData> checked = CanalFormats.checked(true, metrics);
        DeserializationSchema<RowData> canalJson = CanalFormats.canalJson(false);
        HostileCanalMessages messages = new HostileCanalMessages(SEED);
        Map<String, Integer> outcomes = new TreeMap<>();

        for (int n = 0; n < MESSAGES; n++) {
            byte[] message = messages.next();
            String text = message == null ? null : new String(message, StandardCharsets.UTF_8);
            String shown = "message " + n + ": " + text;
            CanalMessageRules.Verdict verdict = rules.judge(message);
            assertEquals(verdict.reason(), deadLetterFunction.eval(message, CanalFormats.DECLARATIONS), shown);
            List<RowData> applied = assertDoesNotThrow(() -> CanalFormats.rows(checked, message), shown);
            if (!verdict.hasRows()) {
                assertEquals(List.of(), applied, shown);
                outcomes.merge(verdict.isRejected() ? verdict.reason() : "(DDL)", 1, Integer::sum);
                continue;
            }
            List<RowData> decoded = assertDoesNotThrow(() -> CanalFormats.rows(canalJson, message), "a gap: " + shown);
            assertEquals(decoded, applied, shown);
            assertEquals(expectedRows(text), applied, shown);
            for (RowData row : applied) {
                for (int f = 0; f < TABLE.getFieldCount(); f++) {
                    assertTrue(TABLE.getTypeAt(f).isNullable() || !row.isNullAt(f), "a NULL key: " + shown);
                }
            }
            outcomes.merge("(applied)", 1, Integer::sum);
        }

        assertEquals(0, metrics.count(CheckedCanalJsonDeserializationSchema.GAPS_METRIC));
        Set<String> expectedOutcomes = new TreeSet<>(Set.of("(applied)", "(DDL)", "empty message", "invalid UTF-8",
                "nested too deep", "malformed JSON", "not a JSON object", "missing field type", "wrong type for type",
                "unknown type", "unknown type CREATE", "missing field data", "wrong type for data", "missing field old",
                "wrong type for old", "old does not match data", "not a row in data", "not a row in old",
                "missing field id", "missing field id in old", "out of range for total_amount",
                "out of range for user_id", "out of range for province_id", "out of range for create_time",
                "out of range for paid_time"));
        for (String column : TABLE.getFieldNames()) {
            expectedOutcomes.add("wrong type for " + column);
        }
        expectedOutcomes.removeAll(outcomes.keySet());
        assertEquals(Set.of(), expectedOutcomes, "outcomes never drawn; drawn: " + outcomes);
        assertTrue(outcomes.get("(applied)") > MESSAGES / 4, outcomes.toString());
    }

    /**
     * The rows a message means, read from its text independently of Flink: an INSERT's and a
     * DELETE's rows; an UPDATE's old and new row for each row, the old one being the new one with
     * the values {@code old} gives (a column left out of the old row but named elsewhere in
     * {@code old} is NULL there: canal-json's rule, applied to nullable columns only, as the rules
     * reject the rest; the jobs read only an old row's key).
     */
    private static List<RowData> expectedRows(String text) throws Exception {
        JsonNode message = JSON.readTree(text);
        String type = message.get("type").textValue();
        List<RowData> rows = new ArrayList<>();
        for (int i = 0; i < message.get("data").size(); i++) {
            GenericRowData after = row(message.get("data").get(i), null, null);
            if (type.equals("UPDATE")) {
                GenericRowData before = row(message.get("old").get(i), after, message.get("old"));
                before.setRowKind(RowKind.UPDATE_BEFORE);
                after.setRowKind(RowKind.UPDATE_AFTER);
                rows.add(before);
            } else {
                after.setRowKind(type.equals("INSERT") ? RowKind.INSERT : RowKind.DELETE);
            }
            rows.add(after);
        }
        return rows;
    }

    private static GenericRowData row(JsonNode values, GenericRowData after, JsonNode old) {
        GenericRowData row = new GenericRowData(TABLE.getFieldCount());
        for (int f = 0; f < TABLE.getFieldCount(); f++) {
            String name = TABLE.getFieldNames().get(f);
            JsonNode value = values.get(name);
            if (value != null && !value.isNull()) {
                row.setField(f, value(TABLE.getTypeAt(f), value.textValue()));
            } else if (value == null && after != null && old.findValue(name) == null) {
                row.setField(f, after.getField(f));
            }
        }
        return row;
    }

    /** A column's value from its text, or an AssertionError when the type cannot hold it exactly. */
    private static Object value(LogicalType type, String text) {
        return switch (type.getTypeRoot()) {
            case VARCHAR -> StringData.fromString(text);
            case INTEGER -> Integer.parseInt(text);
            case BIGINT -> Long.parseLong(text);
            case DECIMAL -> {
                DecimalType decimal = (DecimalType) type;
                BigDecimal exact = new BigDecimal(text).setScale(decimal.getScale(), RoundingMode.UNNECESSARY);
                assertTrue(exact.precision() <= decimal.getPrecision(), text);
                yield DecimalData.fromBigDecimal(exact, decimal.getPrecision(), decimal.getScale());
            }
            case DATE -> (int) LocalDate.parse(text).toEpochDay();
            case TIMESTAMP_WITHOUT_TIME_ZONE -> {
                LocalDateTime timestamp = LocalDateTime.parse(text.replace(' ', 'T'));
                int precision = ((TimestampType) type).getPrecision();
                assertEquals(0, timestamp.getNano() % (int) Math.pow(10, 9 - precision), text);
                yield TimestampData.fromLocalDateTime(timestamp);
            }
            default -> throw new AssertionError("no column of type " + type);
        };
    }
}
