package com.gmall.realtime.redis;

import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;

/**
 * The planner's view of a {@code redis-hash} table. It takes the full changelog, update-befores
 * included, because an update that changes the key must remove the old key, and only the
 * update-before names it.
 */
final class RedisHashTableSink implements DynamicTableSink {

    private final RedisHashSink sink;
    private final Integer parallelism;

    /** {@code parallelism}: null for the planner's choice. */
    RedisHashTableSink(RedisHashSink sink, Integer parallelism) {
        this.sink = sink;
        this.parallelism = parallelism;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
        return ChangelogMode.all();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
        return SinkV2Provider.of(sink, parallelism);
    }

    /** Both members are immutable. */
    @Override
    public DynamicTableSink copy() {
        return new RedisHashTableSink(sink, parallelism);
    }

    @Override
    public String asSummaryString() {
        return "Redis hashes";
    }
}
