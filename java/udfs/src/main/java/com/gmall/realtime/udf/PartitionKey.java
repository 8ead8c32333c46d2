package com.gmall.realtime.udf;

import org.apache.flink.core.memory.MemorySegmentFactory;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.util.MathUtils;

/**
 * {@code partition_key(kafka_partition)}: the key under which the lateness rule keeps a Kafka
 * partition's newest ts ({@code OVER (PARTITION BY partition_key(...))}), chosen so that the
 * partitions of a topic are judged by different subtasks.
 *
 * <p>Keyed by the partition number itself, Flink's hash puts partitions 0 and 1 on the same one of
 * two subtasks, and that subtask judges every log of the job. Flink places a key by its key group
 * (of {@link #MAX_PARALLELISM}, the jobs' pipeline.max-parallelism), and a key group g on subtask
 * g * P / MAX_PARALLELISM of P. {@link #KEY_GROUPS} is a sequence of key groups whose first n fall
 * on n different subtasks at every parallelism P of at least n, up to {@link #SPREAD_UP_TO} (found
 * by search); partition p's key is the smallest number in the p-th of them. A key depends on the
 * partition only, never on the parallelism, so a job restored at another parallelism finds each
 * partition's state under the same key. Partitions from {@code SPREAD_UP_TO} on get a key of their
 * own, placed by the hash as it falls.
 */
public class PartitionKey extends ScalarFunction {

    static final int MAX_PARALLELISM = 128;
    static final int[] KEY_GROUPS = {0, 64, 96, 32, 112, 54, 80, 16, 118, 43, 86, 22};
    static final int SPREAD_UP_TO = KEY_GROUPS.length;
    private static final long[] KEYS = keys();

    public Long eval(Integer partition) {
        if (partition == null) {
            return null;
        }
        return partition < SPREAD_UP_TO ? KEYS[partition] : -1L - partition;  // spread keys are not negative
    }

    private static long[] keys() {
        long[] keys = new long[SPREAD_UP_TO];
        for (int partition = 0; partition < SPREAD_UP_TO; partition++) {
            long key = 0;
            while (keyGroup(key) != KEY_GROUPS[partition]) {
                key++;
            }
            keys[partition] = key;
        }
        return keys;
    }

    /** The key group of a BIGINT key: as Flink's KeyGroupRangeAssignment places the one-field key
     * row the planner's key selector makes of it. */
    static int keyGroup(long key) {
        return MathUtils.murmurHash(keyRow(key).hashCode()) % MAX_PARALLELISM;
    }

    static BinaryRowData keyRow(long key) {
        BinaryRowData row = new BinaryRowData(1);
        byte[] bytes = new byte[BinaryRowData.calculateFixPartSizeInBytes(1)];
        row.pointTo(MemorySegmentFactory.wrap(bytes), 0, bytes.length);
        row.setLong(0, key);
        return row;
    }
}
