package com.gmall.realtime.udf;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.DeserializationFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code canal_message_error(line, 'id BIGINT NOT NULL', 'total_amount DECIMAL', ...)}: why a
 * Canal flatMessage cannot be read as the changelog of a table, or NULL when it can.
 *
 * <p>The jobs read Canal topics with Flink's {@code canal-json} format, which must skip what it cannot
 * read so that bad input never stops a job; this function finds exactly those messages, so they
 * reach the dead-letter topic instead of vanishing. Each column declared is checked in
 * every row of {@code data} and {@code old}: a NOT NULL column must be present and not null; a
 * typed column, when present and not null, must parse as its type (BIGINT, INT, DECIMAL, DATE,
 * TIMESTAMP as Canal writes them). DDL messages ({@code isDdl} true) are not data and not errors.
 */
public class CanalMessageCheck extends ScalarFunction {

    private static final Set<String> ROW_TYPES = Set.of("INSERT", "UPDATE", "DELETE");
    private static final DateTimeFormatter SQL_TIMESTAMP = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral(' ')
            .append(DateTimeFormatter.ISO_LOCAL_TIME).toFormatter();
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Column declarations are parsed once per distinct text. */
    private final Map<String, Column> columns = new ConcurrentHashMap<>();

    public String eval(String line, String... declaredColumns) {
        if (line == null) {
            return "malformed JSON";
        }
        JsonNode message;
        try {
            message = JSON.readTree(line);
        } catch (JsonProcessingException | RuntimeException e) {
            return "malformed JSON";
        }
        if (message == null || !message.isObject()) {
            return message == null || message.isMissingNode() ? "malformed JSON" : "not a JSON object";
        }
        if (message.path("isDdl").asBoolean(false)) {
            return null;
        }
        JsonNode type = message.get("type");
        if (type == null || !type.isTextual()) {
            return "missing field type";
        }
        if (!ROW_TYPES.contains(type.textValue())) {
            return "unknown type " + type.textValue();
        }
        String error = checkRows(message.get("data"), "data", declaredColumns);
        if (error == null && type.textValue().equals("UPDATE")) {
            error = checkRows(message.get("old"), "old", declaredColumns);
        }
        return error;
    }

    private String checkRows(JsonNode rows, String field, String[] declaredColumns) {
        if (rows == null || !rows.isArray() || rows.isEmpty()) {
            return "missing field " + field;
        }
        for (JsonNode row : rows) {
            if (!row.isObject()) {
                return "not a row in " + field;
            }
            for (String declaration : declaredColumns) {
                Column column = columns.computeIfAbsent(declaration, Column::parse);
                JsonNode value = row.get(column.name);
                boolean absent = value == null || value.isNull();
                // "old" holds only the columns that changed, so absence there is not an error
                if (absent && column.notNull && field.equals("data")) {
                    return "missing field " + column.name;
                }
                if (!absent && !column.parses(value)) {
                    return "wrong type for " + column.name;
                }
            }
        }
        return null;
    }

    /** One declared column: name, type (the first word of the SQL type), NOT NULL or not. */
    private record Column(String name, String type, boolean notNull) {

        static Column parse(String declaration) {
            String[] words = declaration.trim().split("\\s+");
            String type = words.length > 1 ? words[1].replaceAll("\\(.*", "").toUpperCase() : "STRING";
            return new Column(words[0], type, declaration.toUpperCase().endsWith("NOT NULL"));
        }

        boolean parses(JsonNode value) {
            String text = value.asText().trim();
            try {
                switch (type) {
                    case "BIGINT" -> Long.parseLong(text);
                    case "INT", "INTEGER" -> Integer.parseInt(text);
                    case "DECIMAL" -> new BigDecimal(text);
                    case "DATE" -> LocalDate.parse(text);
                    case "TIMESTAMP" -> LocalDateTime.parse(text, SQL_TIMESTAMP);
                    default -> { }
                }
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }
    }
}
