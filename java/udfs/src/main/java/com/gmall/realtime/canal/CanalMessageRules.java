package com.gmall.realtime.canal;

import java.io.IOException;
import java.io.Serializable;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.annotation.Nullable;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.json.JsonReadFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.DeserializationFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;
import org.apache.flink.util.jackson.JacksonMapperFactory;

import com.gmall.realtime.udf.RecordText;

/**
 * The one decision on a Canal flatMessage of a table: applied (all its rows), dead letter (with a
 * reason), or not data at all (DDL). The {@code gmall-canal-json} format applies exactly the
 * messages judged {@link Verdict#ROWS} and the dead-letter function {@code canal_message_error}
 * reports exactly the rejected ones, so the two are complementary by construction.
 *
 * <p>The rules, the first one broken giving the reason:
 * <ol>
 *   <li>a null or zero-length Kafka value: {@code empty message}</li>
 *   <li>bytes that are not UTF-8 (RFC 3629, decoded strictly, not as Flink's lenient string
 *       decoding would): {@code invalid UTF-8}</li>
 *   <li>brackets nested deeper than {@value #MAX_NESTING}: {@code nested too deep}</li>
 *   <li>not one JSON value: {@code malformed JSON}; not an object: {@code not a JSON object}</li>
 *   <li>{@code isDdl} is {@code true} and {@code type} a string other than INSERT, UPDATE, DELETE:
 *       DDL, neither applied nor a dead letter</li>
 *   <li>{@code type}: absent or null {@code missing field type}, not a string {@code wrong type for
 *       type}, not INSERT, UPDATE or DELETE {@code unknown type [TYPE]}</li>
 *   <li>{@code data}: absent, null or [] {@code missing field data}, not an array {@code wrong type
 *       for data}; {@code old}: not an array when present {@code wrong type for old}, and for an
 *       UPDATE absent or null {@code missing field old}, another length than {@code data}
 *       {@code old does not match data}</li>
 *   <li>each element of {@code data}, then of {@code old}, is an object ({@code not a row in
 *       data/old}) whose columns, in table order, are each absent, null or valid: a JSON string of
 *       the column's type ({@code wrong type for X}) whose value the type holds exactly ({@code out
 *       of range for X}); a NOT NULL column is present and not null in every data row
 *       ({@code missing field X}) and never null in an old row; in an UPDATE it may be left out of an
 *       old row only when it is left out of all of {@code old}, nested values included
 *       ({@code missing field X in old}: canal-json would make that old row's X NULL).</li>
 * </ol>
 *
 * <p>Values are text, as Canal writes every column: BIGINT and INT {@code -?[0-9]+} in range;
 * DECIMAL(p, s) {@code -?[0-9]+(.[0-9]+)?} with at most p - s integer digits and no non-zero digit
 * after the s-th decimal; DATE {@code yyyy-MM-dd}; TIMESTAMP(p) {@code yyyy-MM-dd HH:mm:ss[.f]} with
 * no non-zero digit after the p-th of the fraction; dates are real calendar dates from year 1 on.
 * Each is a strict subset of what Flink's JSON converter reads, read by it to exactly that value:
 * canal-json itself rounds decimals, turns an overflowing one into NULL, truncates JSON numbers to
 * integers and moves 2021-02-30 to 2021-02-28, all silently.
 */
public final class CanalMessageRules implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Canal's messages nest 3 deep; canal-json's look-up in {@code old} recurses without a bound. */
    public static final int MAX_NESTING = 100;

    private static final Set<String> ROW_TYPES = Set.of("INSERT", "UPDATE", "DELETE");
    private static final Pattern NAMED_TYPE = Pattern.compile("[A-Za-z_]{1,32}");
    private static final Pattern INTEGER = Pattern.compile("-?([0-9]+)");
    private static final Pattern DECIMAL = Pattern.compile("-?([0-9]+)(?:\\.([0-9]+))?");
    private static final Pattern DATE = Pattern.compile("([0-9]{4})-([0-9]{2})-([0-9]{2})");
    private static final Pattern TIMESTAMP = Pattern.compile(
            "([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.([0-9]{1,9}))?");

    private final List<Column> columns;
    private transient ObjectMapper json;

    private CanalMessageRules(List<Column> columns) {
        this.columns = columns;
    }

    /** The rules for a table's physical row: its columns, their types, NOT NULL (the primary key). */
    public static CanalMessageRules of(RowType row) {
        return new CanalMessageRules(row.getFields().stream()
                .map(field -> Column.of(field.getName(), field.getType())).toList());
    }

    /** The rules for columns declared as in SQL, each {@code name TYPE [NOT NULL]}. */
    public static CanalMessageRules ofDeclarations(String... declarations) {
        return new CanalMessageRules(Arrays.stream(declarations).map(declaration -> {
            String[] nameAndType = declaration.trim().split("\\s+", 2);
            if (nameAndType.length < 2) {
                throw new IllegalArgumentException("a column is declared as 'name TYPE', not '" + declaration + "'");
            }
            LogicalType type = LogicalTypeParser.parse(nameAndType[1], CanalMessageRules.class.getClassLoader());
            return Column.of(nameAndType[0], type);
        }).toList());
    }

    /** What to do with a message: its Kafka record's value (null: a record without one). */
    public Verdict judge(@Nullable byte[] message) {
        if (message == null || message.length == 0) {
            return Verdict.rejected("empty message");
        }
        String text = RecordText.decode(message);
        return text == null ? Verdict.rejected("invalid UTF-8") : judge(text);
    }

    /** What to do with a message's text (null: a record without a value). */
    public Verdict judge(@Nullable String message) {
        if (message == null || message.isEmpty()) {
            return Verdict.rejected("empty message");
        }
        if (nestedTooDeep(message)) {
            return Verdict.rejected("nested too deep");
        }
        JsonNode root;
        try {
            root = json().readTree(message);
        } catch (IOException | RuntimeException e) {
            return Verdict.rejected("malformed JSON");
        }
        if (root == null || root.isMissingNode()) {
            return Verdict.rejected("malformed JSON");
        }
        if (!root.isObject()) {
            return Verdict.rejected("not a JSON object");
        }
        JsonNode type = root.get("type");
        boolean ddl = root.path("isDdl").isBoolean() && root.get("isDdl").booleanValue();
        if (ddl && type != null && type.isTextual() && !ROW_TYPES.contains(type.textValue())) {
            return Verdict.NOT_DATA;
        }
        if (type == null || type.isNull()) {
            return Verdict.rejected("missing field type");
        }
        if (!type.isTextual()) {
            return Verdict.rejected("wrong type for type");
        }
        if (!ROW_TYPES.contains(type.textValue())) {
            boolean named = NAMED_TYPE.matcher(type.textValue()).matches();
            return Verdict.rejected(named ? "unknown type " + type.textValue() : "unknown type");
        }
        String reason = rowsError(root, type.textValue().equals("UPDATE"));
        return reason == null ? Verdict.ROWS : Verdict.rejected(reason);
    }

    private String rowsError(JsonNode root, boolean update) {
        JsonNode data = root.get("data");
        JsonNode old = root.get("old");
        if (data == null || data.isNull() || data.isArray() && data.isEmpty()) {
            return "missing field data";
        }
        if (!data.isArray()) {
            return "wrong type for data";
        }
        boolean hasOld = old != null && !old.isNull();
        if (hasOld && !old.isArray()) {
            return "wrong type for old";
        }
        if (update && !hasOld) {
            return "missing field old";
        }
        if (update && old.size() != data.size()) {
            return "old does not match data";
        }
        for (JsonNode row : data) {
            String reason = rowError(row, "data", null);
            if (reason != null) {
                return reason;
            }
        }
        if (hasOld) {
            for (JsonNode row : old) {
                String reason = rowError(row, "old", update ? old : null);
                if (reason != null) {
                    return reason;
                }
            }
        }
        return null;
    }

    /**
     * Why a row of {@code data} or {@code old} cannot be read. For an old row of an UPDATE,
     * {@code updateOld} is the whole of {@code old}: canal-json fills a column an old row leaves out
     * from the new row only when no part of {@code old} names it.
     */
    private String rowError(JsonNode row, String field, @Nullable JsonNode updateOld) {
        if (!row.isObject()) {
            return "not a row in " + field;
        }
        for (Column column : columns) {
            JsonNode value = row.get(column.name());
            if (value != null && !value.isNull()) {
                String reason = column.error(value);
                if (reason != null) {
                    return reason;
                }
            } else if (column.notNull()) {
                if (field.equals("data")) {
                    return "missing field " + column.name();
                }
                if (value != null || updateOld != null && updateOld.findValue(column.name()) != null) {
                    return "missing field " + column.name() + " in old";
                }
            }
        }
        return null;
    }

    private static boolean nestedTooDeep(String text) {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                if (++depth > MAX_NESTING) {
                    return true;
                }
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return false;
    }

    /** Parsed as canal-json parses (raw control characters in strings allowed), one value only. */
    private ObjectMapper json() {
        if (json == null) {
            json = JacksonMapperFactory.createObjectMapper()
                    .configure(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS.mappedFeature(), true)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        }
        return json;
    }

    /**
     * What to do with a message: apply its rows ({@link #ROWS}), nothing ({@link #NOT_DATA}: DDL),
     * or send it to the dead-letter topic with {@link #reason()}.
     */
    public record Verdict(@Nullable String reason, boolean hasRows) implements Serializable {

        public static final Verdict ROWS = new Verdict(null, true);
        public static final Verdict NOT_DATA = new Verdict(null, false);

        static Verdict rejected(String reason) {
            return new Verdict(reason, false);
        }

        public boolean isRejected() {
            return reason != null;
        }
    }

    private enum Kind { TEXT, INT, BIGINT, DECIMAL, DATE, TIMESTAMP }

    /** A column's rule: its name, the kind of text it holds, NOT NULL or not, DECIMAL's or TIMESTAMP's digits. */
    private record Column(String name, Kind kind, boolean notNull, int precision, int scale) implements Serializable {

        static Column of(String name, LogicalType type) {
            boolean notNull = !type.isNullable();
            return switch (type.getTypeRoot()) {
                case CHAR, VARCHAR -> new Column(name, Kind.TEXT, notNull, 0, 0);
                case INTEGER -> new Column(name, Kind.INT, notNull, 0, 0);
                case BIGINT -> new Column(name, Kind.BIGINT, notNull, 0, 0);
                case DECIMAL -> new Column(name, Kind.DECIMAL, notNull,
                        ((DecimalType) type).getPrecision(), ((DecimalType) type).getScale());
                case DATE -> new Column(name, Kind.DATE, notNull, 0, 0);
                case TIMESTAMP_WITHOUT_TIME_ZONE -> new Column(name, Kind.TIMESTAMP, notNull,
                        ((TimestampType) type).getPrecision(), 0);
                default -> throw new IllegalArgumentException(
                        "no rule to read column " + name + " of type " + type.asSummaryString() + " from Canal");
            };
        }

        /** Why a present, non-null value cannot be this column's, or null. */
        String error(JsonNode value) {
            if (!value.isTextual()) {
                return "wrong type for " + name;
            }
            String text = value.textValue();
            return switch (kind) {
                case TEXT -> null;
                case INT -> integerError(text, Integer.MIN_VALUE, Integer.MAX_VALUE);
                case BIGINT -> integerError(text, Long.MIN_VALUE, Long.MAX_VALUE);
                case DECIMAL -> decimalError(text);
                case DATE -> dateError(text);
                case TIMESTAMP -> timestampError(text);
            };
        }

        private String integerError(String text, long min, long max) {
            Matcher integer = INTEGER.matcher(text);
            if (!integer.matches()) {
                return "wrong type for " + name;
            }
            if (withoutLeadingZeros(integer.group(1)).length() > 19) {
                return "out of range for " + name;
            }
            BigInteger number = new BigInteger(text);
            boolean inRange = number.compareTo(BigInteger.valueOf(min)) >= 0
                    && number.compareTo(BigInteger.valueOf(max)) <= 0;
            return inRange ? null : "out of range for " + name;
        }

        /** Exactly DECIMAL(p, s): Flink would round the digits after the s-th and make NULL of a larger one. */
        private String decimalError(String text) {
            Matcher decimal = DECIMAL.matcher(text);
            if (!decimal.matches()) {
                return "wrong type for " + name;
            }
            boolean fits = withoutLeadingZeros(decimal.group(1)).length() <= precision - scale
                    && onlyZerosAfter(decimal.group(2), scale);
            return fits ? null : "out of range for " + name;
        }

        private String dateError(String text) {
            Matcher date = DATE.matcher(text);
            return date.matches() && isDate(date) ? null : "wrong type for " + name;
        }

        /** Flink would keep a TIMESTAMP(p)'s fraction beyond p digits. */
        private String timestampError(String text) {
            Matcher timestamp = TIMESTAMP.matcher(text);
            if (!timestamp.matches() || !isDate(timestamp) || !isTime(timestamp)) {
                return "wrong type for " + name;
            }
            return onlyZerosAfter(timestamp.group(7), precision) ? null : "out of range for " + name;
        }
    }

    /** Groups 1 to 3 of a match are a real date from year 1 on (Flink's own parser moves 02-30 to 02-28/29). */
    private static boolean isDate(Matcher date) {
        try {
            int year = Integer.parseInt(date.group(1));
            LocalDate.of(year, Integer.parseInt(date.group(2)), Integer.parseInt(date.group(3)));
            return year >= 1;
        } catch (DateTimeException e) {
            return false;
        }
    }

    /** Groups 4 to 6 are a time of day (Flink's own parser makes 24:00:00 the next day). */
    private static boolean isTime(Matcher timestamp) {
        try {
            LocalTime.of(Integer.parseInt(timestamp.group(4)), Integer.parseInt(timestamp.group(5)),
                    Integer.parseInt(timestamp.group(6)));
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    private static String withoutLeadingZeros(String digits) {
        int first = 0;
        while (first < digits.length() && digits.charAt(first) == '0') {
            first++;
        }
        return digits.substring(first);
    }

    /** No digit but 0 after the first {@code kept} of {@code digits} (null: none at all). */
    private static boolean onlyZerosAfter(@Nullable String digits, int kept) {
        return digits == null || digits.chars().skip(kept).allMatch(c -> c == '0');
    }
}
