package com.gmall.realtime.canal;

import static com.gmall.realtime.canal.CanalFormats.rows;
import static com.gmall.realtime.canal.CanalFormats.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.List;

import com.gmall.realtime.udf.CanalMessageCheck;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * Each way Flink's canal-json (skipping what it cannot read) and the old dead-letter check
 * disagreed, now one decision: what canal-json did, and what the rules and the gmall-canal-json
 * format do.
 */
class CheckedCanalJsonFormatTest {

    private static final String ROW = "{\"id\":\"1\",\"consignee\":\"李四\",\"total_amount\":\"2798.00\","
            + "\"create_time\":\"2026-11-20 10:30:05\"}";
    private static final CanalMessageRules RULES = CanalMessageRules.of((RowType) CanalFormats.TABLE.getLogicalType());

    private static String message(String type, String data, String old) {
        return "{\"data\":" + data + ",\"database\":\"gmall\",\"table\":\"order_info\",\"type\":\"" + type
                + "\",\"isDdl\":false,\"old\":" + old + ",\"es\":0,\"ts\":0}";
    }

    private static String insert(String row) {
        return message("INSERT", "[" + row + "]", "null");
    }

    private static String row(String column, String json) {
        return ROW.substring(0, ROW.length() - 1) + ",\"" + column + "\":" + json + "}";
    }

    private static String reason(String message) {
        return RULES.judge(message).reason();
    }

    /** What the jobs applied before: canal-json skipping what it cannot read. */
    private static List<RowData> lenientCanalJson(String message) throws Exception {
        return rows(CanalFormats.canalJson(true), message == null ? null : utf8(message));
    }

    private static List<RowData> checked(String message) throws Exception {
        return rows(CanalFormats.checked(true, new CanalFormats.Metrics()), message == null ? null : utf8(message));
    }

    @Test
    void aValidMessageIsAppliedWithEveryValueAsItsTextSays() throws Exception {
        String update = message("UPDATE", "[" + ROW + "]", "[{\"total_amount\":\"2518.20\",\"consignee\":null}]");
        assertNull(reason(update));
        List<RowData> rows = checked(update);
        assertEquals(List.of(RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER),
                rows.stream().map(RowData::getRowKind).toList());
        assertEquals(new BigDecimal("2518.20"), rows.get(0).getDecimal(2, 10, 2).toBigDecimal());
        assertTrue(rows.get(0).isNullAt(1));
        assertEquals(StringData.fromString("李四"), rows.get(1).getString(1));
        assertEquals(TimestampData.fromLocalDateTime(LocalDateTime.of(2026, 11, 20, 10, 30, 5)),
                rows.get(1).getTimestamp(6, 0));
        assertEquals(1L, rows.get(0).getLong(0));
    }

    @Test
    void aDecimalTooLargeForItsColumnIsADeadLetterNotAnOrderWithoutAmount() throws Exception {
        String overflow = insert(row("total_amount", "\"100000000.00\""));
        assertTrue(lenientCanalJson(overflow).get(0).isNullAt(2));  // before: a phantom order, amount NULL
        assertEquals("out of range for total_amount", reason(overflow));
        assertEquals(List.of(), checked(overflow));
        assertEquals("out of range for total_amount", reason(insert(row("total_amount", "\"99999999.995\""))));
    }

    @Test
    void decimalPlacesBeyondTheScaleAreOutOfRangeNotRounded() throws Exception {
        assertEquals(new BigDecimal("12.35"), lenientCanalJson(insert(row("total_amount", "\"12.345\""))).get(0)
                .getDecimal(2, 10, 2).toBigDecimal());
        assertEquals("out of range for total_amount", reason(insert(row("total_amount", "\"12.345\""))));
        assertNull(reason(insert(row("total_amount", "\"12.340\""))));
        assertNull(reason(insert(row("total_amount", "\"-99999999.99\""))));
    }

    @Test
    void anUpdateWithFewerOldRowsThanRowsIsNotAppliedInPart() throws Exception {
        String twoRows = "[" + ROW + "," + ROW.replace("\"1\"", "\"2\"") + "]";
        String update = message("UPDATE", twoRows, "[{\"consignee\":\"x\"}]");
        assertEquals(2, lenientCanalJson(update).size());  // before: the first row's change, then a failure
        assertEquals("old does not match data", reason(update));
        assertEquals(List.of(), checked(update));
    }

    @Test
    void aRowThatIsNotAnObjectAfterTheFirstIsNotAppliedInPart() throws Exception {
        String insert = message("INSERT", "[" + ROW + ",null]", "null");
        assertEquals(1, lenientCanalJson(insert).size());
        assertEquals("not a row in data", reason(insert));
        assertEquals(List.of(), checked(insert));
        String update = message("UPDATE", "[" + ROW + "," + ROW + "]", "[{},null]");
        assertEquals(2, lenientCanalJson(update).size());
        assertEquals("not a row in old", reason(update));
    }

    @Test
    void theDdlFlagDoesNotHideRows() throws Exception {
        String flagged = insert(ROW).replace("\"isDdl\":false", "\"isDdl\":true");
        assertEquals(1, lenientCanalJson(flagged).size());
        assertNull(reason(flagged));
        assertEquals(1, checked(flagged).size());
    }

    @Test
    void ddlIsNeitherAppliedNorADeadLetter() throws Exception {
        for (String type : List.of("ALTER", "CREATE", "QUERY", "TRUNCATE")) {
            String ddl = "{\"data\":null,\"database\":\"gmall\",\"table\":\"order_info\",\"type\":\"" + type
                    + "\",\"isDdl\":true,\"old\":null,\"sql\":\"ALTER TABLE order_info ADD note TEXT\"}";
            assertEquals(CanalMessageRules.Verdict.NOT_DATA, RULES.judge(ddl));
            assertEquals(List.of(), rows(CanalFormats.checked(false, new CanalFormats.Metrics()), utf8(ddl)));
        }
    }

    @Test
    void aCreateWithoutTheDdlFlagIsADeadLetterNotSkippedSilently() throws Exception {
        String create = message("CREATE", "[" + ROW + "]", "null");
        assertEquals(List.of(), rows(CanalFormats.canalJson(false), utf8(create)));  // no error, nothing
        assertEquals("unknown type CREATE", reason(create));
        assertEquals("unknown type", reason(message("MERGE;" + "x".repeat(40), "[" + ROW + "]", "null")));
    }

    @Test
    void jsonNumbersAreNotCanalValuesAndAreNotTruncated() throws Exception {
        String fractional = insert(row("id", "1.5"));
        assertEquals(1L, lenientCanalJson(fractional).get(0).getLong(0));
        assertEquals("wrong type for id", reason(fractional));
        assertEquals("wrong type for id", reason(insert(row("id", "1"))));
        assertEquals("wrong type for province_id", reason(insert(row("province_id", "\"1.5\""))));
        assertEquals("out of range for province_id", reason(insert(row("province_id", "\"2147483648\""))));
        assertEquals("out of range for user_id", reason(insert(row("user_id", "\"-9223372036854775809\""))));
        assertNull(reason(insert(row("user_id", "\"-9223372036854775808\""))));
        assertNull(reason(insert(row("province_id", "\"" + "0".repeat(50) + "12\""))));
    }

    @Test
    void aTimestampWithoutSecondsIsADeadLetterNotAnOrderWithoutTime() throws Exception {
        String noSeconds = insert(row("create_time", "\"2026-11-20 10:30\""));
        // before: the old check took HH:mm, and canal-json, skipping the value it could not read,
        // applied the row with create_time NULL
        assertTrue(lenientCanalJson(noSeconds).get(0).isNullAt(6));
        assertThrows(IOException.class, () -> rows(CanalFormats.canalJson(false), utf8(noSeconds)));
        assertEquals("wrong type for create_time", reason(noSeconds));
        assertEquals(List.of(), checked(noSeconds));
    }

    @Test
    void aValueOfTheWrongTypeIsADeadLetterNotAlsoAppliedAsNull() throws Exception {
        String wrongAmount = insert(row("total_amount", "\"12,50\""));
        assertTrue(lenientCanalJson(wrongAmount).get(0).isNullAt(2));  // before: applied and dead-lettered
        assertEquals("wrong type for total_amount", reason(wrongAmount));
        assertEquals(List.of(), checked(wrongAmount));
    }

    @Test
    void impossibleDatesAndTimesAreDeadLettersNotMovedToAnotherDay() throws Exception {
        String february30 = insert(row("create_time", "\"2021-02-30 10:00:00\""));
        assertEquals(TimestampData.fromLocalDateTime(LocalDateTime.of(2021, 2, 28, 10, 0)),
                lenientCanalJson(february30).get(0).getTimestamp(6, 0));
        assertEquals("wrong type for create_time", reason(february30));
        assertEquals("wrong type for create_time", reason(insert(row("create_time", "\"2021-01-01 24:00:00\""))));
        assertEquals("wrong type for birthday", reason(insert(row("birthday", "\"2021-02-29\""))));
        assertEquals("wrong type for birthday", reason(insert(row("birthday", "\"0000-01-01\""))));
        assertNull(reason(insert(row("birthday", "\"2020-02-29\""))));
    }

    @Test
    void aTimestampsFractionBeyondItsPrecisionIsOutOfRange() {
        assertEquals("out of range for create_time", reason(insert(row("create_time", "\"2026-11-20 10:30:05.5\""))));
        assertNull(reason(insert(row("create_time", "\"2026-11-20 10:30:05.000\""))));
        assertNull(reason(insert(row("paid_time", "\"2026-11-20 10:30:05.123000\""))));
        assertEquals("out of range for paid_time", reason(insert(row("paid_time", "\"2026-11-20 10:30:05.1234\""))));
        assertEquals("wrong type for paid_time", reason(insert(row("paid_time", "\"2026-11-20 10:30:05.\""))));
    }

    @Test
    void anEmptyOrNullKafkaValueIsADeadLetterNotLostSilently() throws Exception {
        assertEquals(List.of(), lenientCanalJson(null));
        assertEquals(List.of(), lenientCanalJson(""));
        assertEquals("empty message", reason(null));
        assertEquals("empty message", reason(""));
        assertEquals("empty message", new CanalMessageCheck().eval((byte[]) null, CanalFormats.DECLARATIONS));
        IOException failure = assertThrows(IOException.class,
                () -> rows(CanalFormats.checked(false, new CanalFormats.Metrics()), null));
        assertTrue(failure.getMessage().contains("empty message"));
    }

    @Test
    void aKeyThatCanalJsonWouldMakeNullInAnOldRowIsADeadLetter() throws Exception {
        String two = "[" + ROW + "," + ROW.replace("\"1\"", "\"2\"") + "]";
        String keyInOneOldRow = message("UPDATE", two, "[{\"consignee\":\"a\"},{\"id\":\"5\"}]");
        assertTrue(lenientCanalJson(keyInOneOldRow).get(0).isNullAt(0));  // the first old row's id: NULL
        assertEquals("missing field id in old", reason(keyInOneOldRow));
        assertEquals("missing field id in old", reason(message("UPDATE", "[" + ROW + "]", "[{\"x\":{\"id\":\"5\"}}]")));
        assertEquals("missing field id in old", reason(message("UPDATE", "[" + ROW + "]", "[{\"id\":null}]")));
        assertEquals("missing field id", reason(insert(ROW.replace("\"id\":\"1\",", ""))));
        // the same column left out of every old row is unchanged: the new row's
        assertNull(reason(message("UPDATE", two, "[{\"consignee\":\"a\"},{\"consignee\":\"b\"}]")));
    }

    @Test
    void theShapeOfDataAndOld() {
        assertEquals("missing field data", reason(message("INSERT", "null", "null")));
        assertEquals("missing field data", reason(message("DELETE", "[]", "null")));
        assertEquals("wrong type for data", reason(message("INSERT", ROW, "null")));
        assertEquals("missing field old", reason(message("UPDATE", "[" + ROW + "]", "null")));
        assertEquals("wrong type for old", reason(message("INSERT", "[" + ROW + "]", "{}")));
        assertEquals("old does not match data", reason(message("UPDATE", "[" + ROW + "]", "[{},{}]")));
        assertEquals("wrong type for old", reason(message("INSERT", "[" + ROW + "]", "\"x\"")));
        assertNull(reason(message("DELETE", "[" + ROW + "]", "[]")));
    }

    @Test
    void textThatCanalJsonWouldReadButIsNotOneJsonObjectIsMalformed() throws Exception {
        String trailing = insert(ROW) + " {\"type\":\"DELETE\"}";
        assertEquals(1, lenientCanalJson(trailing).size());
        assertEquals("malformed JSON", reason(trailing));
        assertEquals("malformed JSON", reason("\uFEFF" + insert(ROW)));
        assertEquals("malformed JSON", reason(insert(ROW).substring(0, 40)));
        assertEquals("malformed JSON", reason(" "));
        assertEquals("not a JSON object", reason("[" + insert(ROW) + "]"));
        assertEquals("missing field type", reason("{\"data\":[" + ROW + "]}"));
        assertEquals("wrong type for type", reason(insert(ROW).replace("\"INSERT\"", "[\"INSERT\"]")));
        // a repeated key: the last one counts, for canal-json and the rules alike
        assertEquals("unknown type BOGUS", reason(insert(ROW).replace("\"ts\":0}", "\"ts\":0,\"type\":\"BOGUS\"}")));
        assertNull(reason(insert(ROW).replace("{\"data\"", "{\"type\":\"BOGUS\",\"data\"")));
    }

    @Test
    void bytesThatAreNotUtf8AreADeadLetter() throws Exception {
        byte[] valid = utf8(insert(ROW));
        byte[] broken = new byte[valid.length + 1];
        System.arraycopy(valid, 0, broken, 0, 30);
        broken[30] = (byte) 0xFF;
        System.arraycopy(valid, 30, broken, 31, valid.length - 30);
        assertEquals("invalid UTF-8", RULES.judge(broken).reason());
        assertEquals("invalid UTF-8", new CanalMessageCheck().eval(broken, CanalFormats.DECLARATIONS));
        assertEquals(List.of(), rows(CanalFormats.checked(true, new CanalFormats.Metrics()), broken));
    }

    @Test
    void nestingDeeperThanTheLimitIsADeadLetterBeforeCanalJsonOverflowsItsStack() throws Exception {
        String update = message("UPDATE", "[" + ROW + "]", "[{\"deep\":%s}]");
        int limit = CanalMessageRules.MAX_NESTING;
        assertNull(reason(String.format(update, "[".repeat(limit - 3) + "]".repeat(limit - 3))));
        assertEquals("nested too deep", reason(String.format(update, "[".repeat(limit - 2) + "]".repeat(limit - 2))));
        String veryDeep = String.format(update, "[".repeat(20_000) + "]".repeat(20_000));
        IOException failure =
                assertThrows(IOException.class, () -> rows(CanalFormats.canalJson(false), utf8(veryDeep)));
        assertInstanceOf(StackOverflowError.class, failure.getCause());
        assertEquals(List.of(), checked(veryDeep));
    }

    @Test
    void aMessageTheRulesAcceptButCanalJsonCannotReadIsCountedLoggedAndSkipped() throws Exception {
        DeserializationSchema<RowData> failing = new DeserializationSchema<>() {
            @Override
            public RowData deserialize(byte[] message) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void deserialize(byte[] message, Collector<RowData> out) throws IOException {
                out.collect(null);
                throw new IOException("cannot read");
            }

            @Override
            public boolean isEndOfStream(RowData nextElement) {
                return false;
            }

            @Override
            public TypeInformation<RowData> getProducedType() {
                return TypeInformation.of(RowData.class);
            }
        };
        CanalFormats.Metrics metrics = new CanalFormats.Metrics();
        DeserializationSchema<RowData> skipping = CanalFormats.open(
                new CheckedCanalJsonDeserializationSchema(RULES, failing, true), metrics);
        assertEquals(List.of(), rows(skipping, utf8(insert(ROW))));
        assertEquals(1, metrics.count(CheckedCanalJsonDeserializationSchema.GAPS_METRIC));
        DeserializationSchema<RowData> failingJob = CanalFormats.open(
                new CheckedCanalJsonDeserializationSchema(RULES, failing, false), metrics);
        assertThrows(IOException.class, () -> rows(failingJob, utf8(insert(ROW))));
    }

    @Test
    void theFormatIsFoundByItsIdentifierAndTheFunctionByItsDeclarations() {
        DeserializationFormatFactory factory = FactoryUtil.discoverFactory(
                getClass().getClassLoader(), DeserializationFormatFactory.class, "gmall-canal-json");
        assertInstanceOf(CheckedCanalJsonFormatFactory.class, factory);
        String badAmount = insert(row("total_amount", "\"1e3\""));
        assertEquals(reason(badAmount), new CanalMessageCheck().eval(utf8(badAmount), CanalFormats.DECLARATIONS));
        assertFalse(RULES.judge(insert(ROW)).isRejected());
    }

    @Test
    void aColumnTypeWithoutRulesIsRefusedWhenTheJobIsPlanned() {
        RowType withDouble = (RowType) DataTypes.ROW(DataTypes.FIELD("price", DataTypes.DOUBLE())).getLogicalType();
        IllegalArgumentException refusal =
                assertThrows(IllegalArgumentException.class, () -> CanalMessageRules.of(withDouble));
        assertTrue(refusal.getMessage().contains("price"));
    }
}
