package com.gmall.realtime.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.Test;

/** {@link DeadLetterCounter}: the total, and one counter per reason with the reason as a group value. */
class DeadLetterCounterTest {

    private final Map<String, Counter> counters = new LinkedHashMap<>();

    private long count(String path) {
        return counters.get(path).getCount();
    }

    private DeadLetterCounter opened() {
        DeadLetterCounter function = new DeadLetterCounter();
        function.open(new Group(""));
        return function;
    }

    @Test
    void countsEachDeadLetterInTheTotalAndUnderItsReason() {
        DeadLetterCounter function = opened();
        assertEquals("late", function.eval("late"));
        function.eval("missing field mid");
        function.eval("late");
        assertEquals(3, count("gmall_dead_letters"));
        assertEquals(2, count("reason=late/gmall_dead_letters_by_reason"));
        assertEquals(1, count("reason=missing field mid/gmall_dead_letters_by_reason"));
        assertEquals(3, counters.size());
    }

    @Test
    void reasonsPastTheLimitAndOverlongOnesAreCountedAsOther() {
        DeadLetterCounter function = opened();
        for (int n = 0; n < DeadLetterCounter.MAX_REASONS + 10; n++) {
            function.eval("unknown type T" + n);
        }
        function.eval("x".repeat(DeadLetterCounter.MAX_REASON_LENGTH + 1));
        function.eval(null);
        function.eval("unknown type T0");
        assertEquals(DeadLetterCounter.MAX_REASONS + 13, count("gmall_dead_letters"));
        assertEquals(12, count("reason=other/gmall_dead_letters_by_reason"));
        assertEquals(2, count("reason=unknown type T0/gmall_dead_letters_by_reason"));
        // the total, MAX_REASONS reasons and "other"
        assertEquals(DeadLetterCounter.MAX_REASONS + 2, counters.size());
        long byReason = counters.entrySet().stream().filter(e -> e.getKey().startsWith("reason="))
                .mapToLong(e -> e.getValue().getCount()).sum();
        assertEquals(count("gmall_dead_letters"), byReason);
    }

    /** Records each counter under its group path, as "key=value/name". */
    private final class Group implements MetricGroup {
        private final String path;

        Group(String path) {
            this.path = path;
        }

        @Override
        public Counter counter(String name) {
            return counter(name, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            counters.put(path + name, counter);
            return counter;
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new Group(path + key + "=" + value + "/");
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Group(path + name + "/");
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <H extends Histogram> H histogram(String name, H histogram) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <M extends Meter> M meter(String name, M meter) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String[] getScopeComponents() {
            return new String[0];
        }

        @Override
        public Map<String, String> getAllVariables() {
            return Map.of();
        }

        @Override
        public String getMetricIdentifier(String metricName) {
            return path + metricName;
        }

        @Override
        public String getMetricIdentifier(String metricName, CharacterFilter filter) {
            return path + metricName;
        }
    }
}
