package com.gmall.realtime.udf;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.DeserializationFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.types.Row;

/**
 * {@code parse_app_log(record, log_type)}: one app log ("startup" or "event"), a Kafka record's
 * value as bytes, parsed once.
 *
 * <p>Declared non-deterministic, which it is not, only for the planner: it copies a deterministic
 * call into every expression that reads one of the fields of its ROW, so
 * {@code parse_app_log(line).mid}, {@code parse_app_log(line).ts}, ... would each parse the line
 * again; a non-deterministic call stays in one place and its ROW is read field by field.
 *
 * <p>Returns {@code reason} (why the line is a dead letter, or NULL when it is valid) and
 * the contract's fields. The rules and their order are those of the data contract, checked in this
 * order: the line is JSON; it is an object; {@code type} is present and equals the topic's type;
 * each required field is present, not null, and a string ({@code ts}: an integer); {@code ts} is
 * after the epoch and before year 9999; an event's {@code evid} is a known one. The fields, and
 * {@code ts} above all (it drives the watermark), are NULL unless the line is valid, so a dead
 * letter never moves event time. Never throws: a bad line must not stop the job.
 *
 * <p>The record is checked first: a null value, over 64 KiB, not UTF-8, each a reason of its own.
 * {@code parse_app_log(record, log_type, record_time, max_future_ms)} also applies the clock-skew
 * rule, after all the others: a log whose {@code ts} is more than
 * {@code max_future_ms} ahead of its Kafka record's timestamp comes from a device with a wrong
 * clock, reason {@code clock skew}. The jobs call this form; the two-argument one reads a log
 * without its Kafka record's time (ad-hoc queries over what the topics hold).
 */
public class AppLogParser extends ScalarFunction {

    /** 9999-12-31T00:00:00Z: local times in any zone stay inside year 9999. */
    static final long MAX_TS_MS = 253402214400000L;

    private static final List<String> START_FIELDS = List.of("mid", "uid", "appid", "area", "os", "ch", "vs", "ts");
    private static final List<String> EVENT_FIELDS =
            List.of("mid", "uid", "appid", "area", "os", "evid", "pgid", "npgid", "itemid", "ts");
    private static final Set<String> EVIDS = Set.of("clickItem", "coupon", "addCart", "addFavor", "addComment");
    private static final List<String> OUTPUT_FIELDS =
            List.of("mid", "uid", "appid", "area", "os", "ch", "vs", "evid", "pgid", "npgid", "itemid");
    static final int TS_POSITION = 1 + OUTPUT_FIELDS.size();
    /** 64 KiB: a record any longer is a dead letter, unparsed. */
    static final int MAX_LOG_BYTES = 65_536;

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @DataTypeHint("ROW<reason STRING, mid STRING, uid STRING, appid STRING, area STRING, os STRING,"
            + " ch STRING, vs STRING, evid STRING, pgid STRING, npgid STRING, itemid STRING, ts BIGINT>")
    public Row eval(byte[] record, String logType) {
        return parse(record, logType);
    }

    @DataTypeHint("ROW<reason STRING, mid STRING, uid STRING, appid STRING, area STRING, os STRING,"
            + " ch STRING, vs STRING, evid STRING, pgid STRING, npgid STRING, itemid STRING, ts BIGINT>")
    public Row eval(byte[] record, String logType,
                    @DataTypeHint("TIMESTAMP_LTZ(3)") Instant recordTime, Long maxFutureMs) {
        return parse(record, logType, recordTime, maxFutureMs);
    }

    @Override
    public boolean isDeterministic() {
        return false;
    }

    /**
     * A Kafka record's value as a log: as {@link #parse(String, String)} once it is text, and a valid
     * log too far ahead of its record is rejected.
     */
    static Row parse(byte[] record, String logType, Instant recordTime, Long maxFutureMs) {
        Row row = parse(record, logType);
        Long ts = (Long) row.getField(TS_POSITION);
        if (ts != null && recordTime != null && maxFutureMs != null
                && ts - recordTime.toEpochMilli() > maxFutureMs) {
            return rejected("clock skew");
        }
        return row;
    }

    /**
     * The record's row, checked before it is parsed: a record without a value, one over
     * {@link #MAX_LOG_BYTES} (no log is near that; parsing a huge one, a number of a million digits
     * say, would hold the job up for seconds) and one that is not UTF-8 are dead letters.
     */
    static Row parse(byte[] record, String logType) {
        if (record == null) {
            return rejected("null value");
        }
        if (record.length > MAX_LOG_BYTES) {
            return rejected("oversized");
        }
        String line = RecordText.decode(record);
        return line == null ? rejected("invalid UTF-8") : parse(line, logType);
    }

    /** The line's row: its reason, and its fields when the reason is NULL. */
    static Row parse(String line, String logType) {
        if (line == null) {
            return rejected("malformed JSON");
        }
        JsonNode record;
        try {
            record = JSON.readTree(line);
        } catch (JsonProcessingException | RuntimeException e) {
            return rejected("malformed JSON");
        }
        if (record == null || record.isMissingNode()) {
            return rejected("malformed JSON");
        }
        if (!record.isObject()) {
            return rejected("not a JSON object");
        }
        JsonNode type = record.get("type");
        if (type == null || type.isNull()) {
            return rejected("missing field type");
        }
        if (!type.isTextual() || !type.textValue().equals(logType)) {
            return rejected("wrong type value");
        }
        List<String> required = "event".equals(logType) ? EVENT_FIELDS : START_FIELDS;
        for (String name : required) {
            JsonNode value = record.get(name);
            if (value == null || value.isNull()) {
                return rejected("missing field " + name);
            }
            boolean rightType = name.equals("ts") ? value.isIntegralNumber() : value.isTextual();
            if (!rightType) {
                return rejected("wrong type for " + name);
            }
        }
        JsonNode ts = record.get("ts");
        if (!ts.canConvertToLong() || ts.longValue() <= 0 || ts.longValue() >= MAX_TS_MS) {
            return rejected("ts out of range");
        }
        if (required == EVENT_FIELDS && !EVIDS.contains(record.get("evid").textValue())) {
            return rejected("unknown evid");
        }
        Row row = Row.withPositions(TS_POSITION + 1);
        for (int i = 0; i < OUTPUT_FIELDS.size(); i++) {
            String name = OUTPUT_FIELDS.get(i);
            row.setField(i + 1, required.contains(name) ? record.get(name).textValue() : null);
        }
        row.setField(TS_POSITION, ts.longValue());
        return row;
    }

    private static Row rejected(String reason) {
        Row row = Row.withPositions(TS_POSITION + 1);
        row.setField(0, reason);
        return row;
    }
}
