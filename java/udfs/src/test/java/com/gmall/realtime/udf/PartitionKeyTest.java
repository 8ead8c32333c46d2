package com.gmall.realtime.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;

import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.data.writer.BinaryRowWriter;
import org.junit.jupiter.api.Test;

/** {@link PartitionKey}, checked against Flink's own placement: the key row the planner's key
 * selector writes, and {@link KeyGroupRangeAssignment}. */
class PartitionKeyTest {

    private static final int MAX_PARALLELISM = PartitionKey.MAX_PARALLELISM;

    private final PartitionKey function = new PartitionKey();

    /** A BIGINT key as the planner's key selector makes it: a one-field row written by BinaryRowWriter. */
    private static BinaryRowData selectorRow(long key) {
        BinaryRowData row = new BinaryRowData(1);
        BinaryRowWriter writer = new BinaryRowWriter(row);
        writer.reset();
        writer.writeLong(0, key);
        writer.complete();
        return row;
    }

    private int subtask(int partition, int parallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                selectorRow(function.eval(partition)), MAX_PARALLELISM, parallelism);
    }

    @Test
    void everyPartitionOfATopicIsJudgedByItsOwnSubtaskAtEveryParallelismUpToTheSpread() {
        for (int parallelism = 1; parallelism <= PartitionKey.SPREAD_UP_TO; parallelism++) {
            for (int partitions = 1; partitions <= parallelism; partitions++) {
                Set<Integer> subtasks = new HashSet<>();
                for (int partition = 0; partition < partitions; partition++) {
                    subtasks.add(subtask(partition, parallelism));
                }
                assertEquals(partitions, subtasks.size(), partitions + " partitions at parallelism " + parallelism);
            }
        }
    }

    @Test
    void theKeyRowIsTheOneTheKeySelectorWrites() {
        for (long key = 0; key < 1000; key++) {
            assertEquals(selectorRow(key), PartitionKey.keyRow(key));
            assertEquals(selectorRow(key).hashCode(), PartitionKey.keyRow(key).hashCode());
        }
    }

    @Test
    void partitionsPastTheSpreadKeepKeysOfTheirOwn() {
        Set<Long> keys = new HashSet<>();
        for (int partition = 0; partition < 64; partition++) {
            keys.add(function.eval(partition));
        }
        assertEquals(64, keys.size());
    }
}
