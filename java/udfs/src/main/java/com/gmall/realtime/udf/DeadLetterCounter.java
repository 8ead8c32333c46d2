package com.gmall.realtime.udf;

import org.apache.flink.metrics.Counter;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code count_dead_letter(reason)}: returns {@code reason} unchanged and counts it in the metric
 * {@code gmall_dead_letters} of the operator that routes records to the dead-letter topic, so
 * bad input shows in Flink's metrics (web UI, REST, any metrics reporter) as well as in the topic.
 */
public class DeadLetterCounter extends ScalarFunction {

    public static final String METRIC = "gmall_dead_letters";

    private transient Counter deadLetters;

    @Override
    public void open(FunctionContext context) {
        deadLetters = context.getMetricGroup().counter(METRIC);
    }

    public String eval(String reason) {
        deadLetters.inc();
        return reason;
    }

    @Override
    public boolean isDeterministic() {
        return false;
    }
}
