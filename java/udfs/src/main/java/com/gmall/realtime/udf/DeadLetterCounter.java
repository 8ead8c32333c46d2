package com.gmall.realtime.udf;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code count_dead_letter(reason)}: returns {@code reason} unchanged and counts it in the metrics
 * of the operator that routes records to the dead-letter topic, so bad input shows in Flink's
 * metrics (web UI, REST, any metrics reporter) as well as in the topic:
 *
 * <ul>
 *   <li>{@code gmall_dead_letters}: every dead letter;
 *   <li>{@code gmall_dead_letters_by_reason} in the group {@code reason=<reason>}: the same, one
 *       counter per reason. A reporter with labels (Prometheus) shows the reason as the label
 *       {@code reason}; REST names it {@code <operator>.reason.<reason>.gmall_dead_letters_by_reason}
 *       (a name of its own, so that a sum over names ending in {@code gmall_dead_letters} still
 *       counts each dead letter once).
 * </ul>
 *
 * <p>The reasons are a short, fixed vocabulary with field and type names, except Canal's
 * {@code unknown type <type>}, which carries text from the input. So that no input can make
 * counters without end, a subtask counts its first {@value #MAX_REASONS} reasons (each up to
 * {@value #MAX_REASON_LENGTH} characters) under their own label and any other under
 * {@value #OTHER}; the total counts them all.
 */
public class DeadLetterCounter extends ScalarFunction {

    public static final String METRIC = "gmall_dead_letters";
    public static final String BY_REASON_METRIC = "gmall_dead_letters_by_reason";
    public static final String REASON_GROUP = "reason";
    public static final String OTHER = "other";
    static final int MAX_REASONS = 64;
    static final int MAX_REASON_LENGTH = 100;

    private transient MetricGroup metricGroup;
    private transient Counter deadLetters;
    private transient Map<String, Counter> byReason;
    private transient Counter other;

    @Override
    public void open(FunctionContext context) {
        open(context.getMetricGroup());
    }

    void open(MetricGroup group) {
        metricGroup = group;
        deadLetters = group.counter(METRIC);
        byReason = new HashMap<>();
    }

    public String eval(String reason) {
        deadLetters.inc();
        reasonCounter(reason).inc();
        return reason;
    }

    private Counter reasonCounter(String reason) {
        Counter counter = byReason.get(reason);
        if (counter != null) {
            return counter;
        }
        if (reason == null || reason.isEmpty() || reason.length() > MAX_REASON_LENGTH
                || OTHER.equals(reason) || byReason.size() >= MAX_REASONS) {
            if (other == null) {
                other = metricGroup.addGroup(REASON_GROUP, OTHER).counter(BY_REASON_METRIC);
            }
            return other;
        }
        counter = metricGroup.addGroup(REASON_GROUP, reason).counter(BY_REASON_METRIC);
        byReason.put(reason, counter);
        return counter;
    }

    @Override
    public boolean isDeterministic() {
        return false;
    }
}
