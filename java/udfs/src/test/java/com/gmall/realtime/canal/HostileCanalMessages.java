package com.gmall.realtime.canal;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Kafka values of a Canal topic of {@link CanalFormats#TABLE}, drawn from a seeded {@link Random}:
 * valid flatMessages as Canal writes them, the same with one or two things broken in their JSON
 * tree (values of the wrong type or out of range, NULL keys, data and old missing, of the wrong
 * shape or length, unknown and DDL types), broken in their text (truncated, trailing content,
 * duplicate keys, deep nesting, huge numbers, bytes that are not UTF-8), and plain junk.
 */
final class HostileCanalMessages {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] COLUMNS = {
        "id", "consignee", "total_amount", "user_id", "province_id", "birthday", "create_time", "paid_time"};
    private static final String[] ROW_TYPES = {"INSERT", "UPDATE", "DELETE"};
    private static final String[] DDL_TYPES = {"ALTER", "CREATE", "QUERY", "ERASE", "TRUNCATE", "RENAME", "CINDEX"};
    private static final String[] TEXTS = {"", "李四", "a \"quoted\" b", "back\\slash", "tab\there", "O'Neil", "🙂 emoji",
        "13812345678", "null", "{\"id\":\"1\"}"};
    private static final String[] BAD_INTEGERS = {"2147483648", "-2147483649", "9223372036854775808",
        "-9223372036854775809", "1.5", "1.0", "1e3", "+1", " 1", "1 ", "", "٣", "0x10", "1_000",
        "99999999999999999999999", "0".repeat(40) + "7", "-"};
    private static final String[] BAD_DECIMALS = {"100000000.00", "99999999.995", "12.345", "12.340", "-0.001",
        "1e3", "+1", ".5", "5.", " 1", "NaN", "Infinity", "1,5", "١٢", "", "-", "123456789", "0.00000000000000000001"};
    private static final String[] BAD_DATES = {"2021-02-29", "2020-02-30", "2020-13-01", "2020-00-10", "0000-01-01",
        "+12020-01-01", "2020-1-1", "2020-01-01 ", "2020-01-01T00:00:00", "2020-02-29", "20200101", ""};
    private static final String[] BAD_TIMESTAMPS = {"2020-01-01 10:00", "2021-02-29 10:00:00", "2020-01-01 24:00:00",
        "2020-01-01T10:00:00", "2020-01-01 10:00:00.", "2020-01-01 10:00:60", "2020-01-01 10:00:00.5",
        "2020-01-01 10:00:00.1234", "2020-01-01 10:00:00.999999999", "2020-01-01 10:00:00.1230000000",
        "2020-01-01 10:00:00.000", "0000-01-01 00:00:00",
        "2020-01-01", "2020-01-01 10:00:00 ", "2020-01-01 1:00:00", ""};
    private static final String[] JUNK = {"", " ", "\t\n", "null", "[]", "{}", "\"INSERT\"", "5", "true", "{", "}",
        "[{\"type\":\"INSERT\"}]", "{\"type\":\"INSERT\"", "NaN", "{'type':'INSERT'}"};

    private final Random random;

    HostileCanalMessages(long seed) {
        random = new Random(seed);
    }

    /** The next Kafka value (null: a record without a value). */
    byte[] next() {
        int pick = random.nextInt(100);
        if (pick < 35) {
            return utf8(validMessage());
        }
        if (pick < 70) {
            ObjectNode message = validMessage();
            breakTree(message);
            if (random.nextBoolean()) {
                breakTree(message);
            }
            return utf8(message);
        }
        if (pick < 93) {
            return breakText(utf8(validMessage()));
        }
        return junk();
    }

    // ---------------------------------------------------------------------------------------------
    // valid messages

    private ObjectNode validMessage() {
        String type = pick(ROW_TYPES);
        ArrayNode data = NODES.arrayNode();
        ArrayNode old = NODES.arrayNode();
        int rows = 1 + random.nextInt(3);
        for (int i = 0; i < rows; i++) {
            data.add(validRow());
            ObjectNode changed = NODES.objectNode();
            for (String column : COLUMNS) {
                if (random.nextInt(column.equals("id") ? 40 : 3) == 0) {
                    changed.set(column, random.nextInt(6) == 0 ? NODES.nullNode() : NODES.textNode(validValue(column)));
                }
            }
            old.add(changed);
        }
        ObjectNode message = NODES.objectNode();
        message.set("data", data);
        message.put("database", "gmall");
        message.put("es", 1763654400000L);
        message.put("id", random.nextInt(1000));
        message.put("isDdl", false);
        message.set("mysqlType", NODES.objectNode().put("id", "bigint").put("total_amount", "decimal(10,2)"));
        message.set("old", type.equals("UPDATE") ? old : NODES.nullNode());
        message.set("pkNames", NODES.arrayNode().add("id"));
        message.put("sql", "");
        message.set("sqlType", NODES.objectNode().put("id", -5).put("total_amount", 3));
        message.put("table", "order_info");
        message.put("ts", 1763654400123L);
        message.put("type", type);
        return message;
    }

    private ObjectNode validRow() {
        ObjectNode row = NODES.objectNode();
        for (String column : COLUMNS) {
            int pick = random.nextInt(20);
            if (column.equals("id") || pick > 3) {
                row.put(column, validValue(column));
            } else if (pick > 0) {
                row.putNull(column);
            }
        }
        return row;
    }

    private String validValue(String column) {
        return switch (column) {
            case "id", "user_id" -> switch (random.nextInt(6)) {
                case 0 -> String.valueOf(Long.MAX_VALUE);
                case 1 -> String.valueOf(Long.MIN_VALUE);
                case 2 -> "00" + random.nextInt(100);
                default -> String.valueOf(random.nextInt(1_000_000));
            };
            case "province_id" -> switch (random.nextInt(4)) {
                case 0 -> String.valueOf(Integer.MAX_VALUE);
                case 1 -> String.valueOf(Integer.MIN_VALUE);
                default -> String.valueOf(random.nextInt(40));
            };
            case "total_amount" -> validDecimal();
            case "birthday" -> date();
            case "create_time" -> date() + " " + time() + (random.nextInt(5) == 0 ? ".000" : "");
            case "paid_time" -> date() + " " + time() + switch (random.nextInt(4)) {
                case 0 -> "";
                case 1 -> "." + random.nextInt(10);
                case 2 -> String.format(".%03d", random.nextInt(1000));
                default -> String.format(".%03d000000", random.nextInt(1000));
            };
            default -> random.nextInt(4) == 0 ? randomText() : pick(TEXTS);
        };
    }

    private String validDecimal() {
        String integer = random.nextInt(8) == 0
                ? "99999999" : String.valueOf(random.nextInt((int) Math.pow(10, random.nextInt(9))));
        String fraction = switch (random.nextInt(5)) {
            case 0 -> "";
            case 1 -> "." + random.nextInt(10);
            case 2 -> ".990";
            default -> String.format(".%02d", random.nextInt(100));
        };
        return (random.nextInt(6) == 0 ? "-" : "") + integer + fraction;
    }

    private String date() {
        LocalDate day = random.nextInt(10) == 0
                ? LocalDate.of(random.nextBoolean() ? 1 : 9999, 1 + random.nextInt(12), 1).plusDays(random.nextInt(28))
                : LocalDate.of(1950, 1, 1).plusDays(random.nextInt(40_000));
        return String.format("%04d-%02d-%02d", day.getYear(), day.getMonthValue(), day.getDayOfMonth());
    }

    private String time() {
        return String.format("%02d:%02d:%02d", random.nextInt(24), random.nextInt(60), random.nextInt(60));
    }

    private String randomText() {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            int codePoint = random.nextInt(4) == 0 ? random.nextInt(0x20) : random.nextInt(0x3000);
            if (codePoint < 0xD800 || codePoint > 0xDFFF) {
                text.appendCodePoint(codePoint);
            }
        }
        return text.toString();
    }

    // ---------------------------------------------------------------------------------------------
    // broken trees

    private void breakTree(ObjectNode message) {
        switch (random.nextInt(13)) {
            case 0, 11 -> someRow(message, "data").ifPresent(this::breakValue);
            case 1, 12 -> someRow(message, "old").ifPresent(this::breakValue);
            case 2 -> someRow(message, "data").ifPresent(row -> {
                if (random.nextBoolean()) {
                    row.remove("id");
                } else {
                    row.putNull("id");
                }
            });
            case 3 -> breakOldKey(message);
            case 4 -> setOrRemove(message, "type", pickNode(null, NODES.nullNode(), NODES.numberNode(1),
                    NODES.textNode("CREATE"), NODES.textNode("ALTER"), NODES.textNode("insert"), NODES.textNode(""),
                    NODES.textNode("TYPE_" + "X".repeat(40)), NODES.textNode("两种"), NODES.arrayNode().add("INSERT"),
                    NODES.textNode(pick(ROW_TYPES))));
            case 5 -> {
                message.set("isDdl", pickNode(NODES.booleanNode(true), NODES.textNode("true"), NODES.numberNode(1)));
                if (random.nextBoolean()) {
                    message.put("type", pick(DDL_TYPES));
                }
                if (random.nextBoolean()) {
                    message.putNull("data");
                    message.put("sql", "ALTER TABLE order_info ADD COLUMN note VARCHAR(20)");
                }
            }
            case 6 -> setOrRemove(message, "data", shapeBroken(rows(message, "data")));
            case 7 -> setOrRemove(message, "old", shapeBroken(rows(message, "old")));
            case 8 -> {
                JsonNode junk = pickNode(
                        NODES.numberNode(1.5), NODES.textNode("x"), deep(20), NODES.objectNode().put("id", "1"));
                someRow(message, pick("data", "old")).orElse(message).set("extra_" + random.nextInt(3), junk);
            }
            case 9 -> message.set(pick("database", "table", "es", "ts", "pkNames", "sqlType", "mysqlType", "sql"),
                    pickNode(NODES.nullNode(), NODES.numberNode(-1), NODES.textNode("x"), deep(30), NODES.arrayNode()));
            default -> {
                message.removeAll();
                message.put("isDdl", true);
                message.put("type", pick(DDL_TYPES));
                message.putNull("data");
                message.putNull("old");
                message.put("sql", "CREATE TABLE t (id BIGINT)");
                message.put("database", "gmall");
            }
        }
    }

    /** Where canal-json would make an old row's key NULL: null, or left out while another part of old names it. */
    private void breakOldKey(ObjectNode message) {
        message.put("type", "UPDATE");
        ArrayNode data = rows(message, "data");
        if (data.isEmpty()) {
            data.add(validRow());
        }
        message.set("data", data);
        ArrayNode old = NODES.arrayNode();
        for (int i = 0; i < data.size(); i++) {
            old.add(NODES.objectNode().put("consignee", "before"));
        }
        message.set("old", old);
        ObjectNode row = (ObjectNode) old.get(random.nextInt(old.size()));
        switch (random.nextInt(3)) {
            case 0 -> row.putNull("id");
            case 1 -> row.set("extra", NODES.objectNode().put("id", "1"));
            default -> {
                if (old.size() > 1) {
                    row.put("id", "5");
                }
            }
        }
    }

    /** {@code rows} of the wrong shape or length, or null: left out. */
    private JsonNode shapeBroken(ArrayNode rows) {
        return switch (random.nextInt(12)) {
            case 0 -> null;
            case 1 -> NODES.nullNode();
            case 2 -> rows.size() > 0 ? rows.get(0) : NODES.objectNode();
            case 3 -> NODES.textNode("x");
            case 4 -> NODES.numberNode(5);
            case 5 -> NODES.arrayNode();
            case 6 -> rows.deepCopy().add(NODES.nullNode());
            case 7 -> rows.deepCopy().add(5);
            case 8 -> rows.deepCopy().add(NODES.arrayNode());
            case 9 -> rows.deepCopy().insertNull(0);
            case 10 -> rows.size() > 1 ? withoutLast(rows) : NODES.arrayNode();
            default -> rows.deepCopy().add(validRow());
        };
    }

    /** The message's {@code field} when it is an array, else one valid row. */
    private ArrayNode rows(ObjectNode message, String field) {
        JsonNode rows = message.get(field);
        return rows != null && rows.isArray() ? (ArrayNode) rows : NODES.arrayNode().add(validRow());
    }

    /** Sets {@code field}, or removes it for a null {@code value}. */
    private static void setOrRemove(ObjectNode message, String field, JsonNode value) {
        if (value == null) {
            message.remove(field);
        } else {
            message.set(field, value);
        }
    }

    private static ArrayNode withoutLast(ArrayNode rows) {
        ArrayNode copy = rows.deepCopy();
        copy.remove(copy.size() - 1);
        return copy;
    }

    /** One of the row's columns given a value that is not Canal's text of its type, or is out of its range. */
    private void breakValue(ObjectNode row) {
        String column = pick(COLUMNS);
        JsonNode value = switch (random.nextInt(10)) {
            case 0 -> NODES.numberNode(random.nextInt(100));
            case 1 -> NODES.numberNode(1.5);
            case 2 -> NODES.numberNode(new BigInteger("9".repeat(30)));
            case 3 -> NODES.booleanNode(true);
            case 4 -> random.nextBoolean() ? NODES.objectNode().put("id", "1") : NODES.arrayNode().add("1");
            default -> NODES.textNode(switch (column) {
                case "id", "user_id", "province_id" -> pick(BAD_INTEGERS);
                case "total_amount" -> pick(BAD_DECIMALS);
                case "birthday" -> pick(BAD_DATES);
                case "create_time", "paid_time" -> pick(BAD_TIMESTAMPS);
                default -> validValue(pick(COLUMNS));
            });
        };
        row.set(column, value);
    }

    private Optional<ObjectNode> someRow(ObjectNode message, String field) {
        JsonNode rows = message.get(field);
        if (rows == null || !rows.isArray() || rows.isEmpty()) {
            return Optional.empty();
        }
        JsonNode row = rows.get(random.nextInt(rows.size()));
        return row.isObject() ? Optional.of((ObjectNode) row) : Optional.empty();
    }

    private static JsonNode deep(int depth) {
        JsonNode node = NODES.textNode("bottom");
        for (int i = 0; i < depth; i++) {
            node = NODES.arrayNode().add(node);
        }
        return node;
    }

    // ---------------------------------------------------------------------------------------------
    // broken text, junk

    private byte[] breakText(byte[] message) {
        String text = new String(message, StandardCharsets.UTF_8);
        String brackets = random.nextBoolean() ? "[" : "{\"k\":";
        int depth = pick(new int[] {CanalMessageRules.MAX_NESTING - 3, CanalMessageRules.MAX_NESTING - 2,
            CanalMessageRules.MAX_NESTING - 1, CanalMessageRules.MAX_NESTING, 150, 20_000});
        return switch (random.nextInt(12)) {
            case 0 -> Arrays.copyOf(message, random.nextInt(message.length));
            case 1 -> utf8(text + pick(" x", "}", "{}", "\n{\"a\":1}", "\u0000", " ", "\r\n", "]"));
            case 2 -> utf8("\uFEFF" + text);
            case 3 -> utf8(pick(" ", "\t", "\n", "\r\n ") + text);
            case 4 -> utf8("{\"type\":\"" + pick("BOGUS", "INSERT", "DELETE") + "\"," + text.substring(1));
            case 5 -> utf8(text.substring(0, text.length() - 1) + ",\"" + pick("type", "data", "old", "isDdl")
                    + "\":" + pick("\"BOGUS\"", "5", "null", "[]", "true", "\"DELETE\"") + "}");
            case 6 -> utf8(insertAfter(text, pick("{", "\"data\":[{", "\"old\":[{"),
                    "\"deep\":" + brackets.repeat(depth) + "1"
                            + (brackets.equals("[") ? "]" : "}").repeat(depth) + ","));
            case 7 -> utf8(text.substring(0, text.length() - 1) + ",\"huge\":" + (random.nextBoolean() ? "-" : "")
                    + "9".repeat(20 + random.nextInt(5000)) + pick("", ".5", "e400", "e-400") + "}");
            case 8 -> notUtf8(message);
            case 9 -> utf8(text.replace("\\t", "\t").replace("\\u0001", "\u0001").replace("\\\"", "\\u0022"));
            case 10 -> {
                byte[] copy = message.clone();
                copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
                yield copy;
            }
            default -> utf8(text.replace("\"", "'"));
        };
    }

    /** A byte that cannot start a UTF-8 character, or an incomplete one, put inside the message. */
    private byte[] notUtf8(byte[] message) {
        byte[][] bad = {
            {(byte) 0xFF}, {(byte) 0xC3}, {(byte) 0xE6, (byte) 0x9D}, {(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}};
        byte[] insert = bad[random.nextInt(bad.length)];
        int at = 1 + random.nextInt(message.length - 1);
        byte[] result = new byte[message.length + insert.length];
        System.arraycopy(message, 0, result, 0, at);
        System.arraycopy(insert, 0, result, at, insert.length);
        System.arraycopy(message, at, result, at + insert.length, message.length - at);
        return result;
    }

    private static String insertAfter(String text, String anchor, String insert) {
        int at = text.indexOf(anchor);
        return at < 0 ? text : text.substring(0, at + anchor.length()) + insert + text.substring(at + anchor.length());
    }

    private byte[] junk() {
        return switch (random.nextInt(4)) {
            case 0 -> null;
            case 1 -> {
                byte[] bytes = new byte[random.nextInt(60)];
                random.nextBytes(bytes);
                yield bytes;
            }
            case 2 -> utf8("{".repeat(1 + random.nextInt(300)));
            default -> utf8(pick(JUNK));
        };
    }

    // ---------------------------------------------------------------------------------------------

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private int pick(int[] choices) {
        return choices[random.nextInt(choices.length)];
    }

    private JsonNode pickNode(JsonNode... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] utf8(JsonNode message) {
        try {
            return JSON.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
