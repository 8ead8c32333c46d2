package com.gmall.realtime.redis;

import java.util.ArrayList;
import java.util.List;

import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;

/**
 * The hash writes of the rows received since the last flush, in arrival order, and when a flush
 * may come between two rows.
 *
 * <p>An update arrives as its old row (UPDATE_BEFORE: delete) and then its new one (UPDATE_AFTER:
 * replace). Flushed between the two, the delete would be visible alone and a reader would find the
 * row missing; so a flush for size or time waits while an update's old row has come without its new
 * one. Updates are counted rather than flagged: with the planner's keyed shuffle in front of the
 * sink, another channel's rows may come between an old row and its new one.
 */
final class ChangelogBuffer {

    private final HashRowMapper mapper;
    private final int maxRows;
    private final List<HashWrite> writes = new ArrayList<>();
    private int updatesAwaitingNewRow;

    ChangelogBuffer(HashRowMapper mapper, int maxRows) {
        this.mapper = mapper;
        this.maxRows = maxRows;
    }

    /** Whether the buffer must be flushed before {@code row} is added: it is full, and not inside an update. */
    boolean mustFlushBefore(RowData row) {
        return writes.size() >= maxRows && canFlush();
    }

    void add(RowData row) {
        RowKind kind = row.getRowKind();
        if (kind == RowKind.UPDATE_BEFORE) {
            updatesAwaitingNewRow++;
        } else if (kind == RowKind.UPDATE_AFTER && updatesAwaitingNewRow > 0) {
            updatesAwaitingNewRow--;
        }
        writes.add(mapper.toWrite(row));
    }

    /** Whether a flush now would leave no update half applied. */
    boolean canFlush() {
        return updatesAwaitingNewRow == 0;
    }

    boolean isEmpty() {
        return writes.isEmpty();
    }

    /** The buffered writes, in arrival order; the buffer is empty afterwards. */
    List<HashWrite> drain() {
        List<HashWrite> drained = List.copyOf(writes);
        writes.clear();
        return drained;
    }
}
