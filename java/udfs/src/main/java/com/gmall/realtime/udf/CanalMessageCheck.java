package com.gmall.realtime.udf;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.gmall.realtime.canal.CanalMessageRules;

import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code canal_message_error(line, 'id BIGINT NOT NULL', 'total_amount DECIMAL(10, 2)', ...)}: why
 * a Canal flatMessage of a table with these columns cannot be applied, or NULL when it can be (or
 * is DDL, which is neither). The reason comes from {@link CanalMessageRules}, the rules by which the
 * {@code gmall-canal-json} format applies a message or skips it: given the columns its source table
 * declares (a unit test holds the two lists together), this reports exactly the messages that
 * source skips. {@code line} is the message's bytes as the {@code raw} format reads them into a
 * BYTES column, NULL for a null Kafka value.
 */
public class CanalMessageCheck extends ScalarFunction {

    /** Rules are made once per distinct list of columns. */
    private final Map<List<String>, CanalMessageRules> rules = new ConcurrentHashMap<>();

    public String eval(byte[] line, String... declaredColumns) {
        return rules.computeIfAbsent(List.of(declaredColumns), CanalMessageCheck::rulesOf).judge(line).reason();
    }

    private static CanalMessageRules rulesOf(List<String> declaredColumns) {
        return CanalMessageRules.ofDeclarations(declaredColumns.toArray(String[]::new));
    }
}
