package com.gmall.realtime.redis;

import static com.gmall.realtime.redis.Rows.USERS;
import static com.gmall.realtime.redis.Rows.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

class ChangelogBufferTest {

    private final ChangelogBuffer buffer = new ChangelogBuffer(USERS, 2);

    @Test
    void aFullBufferIsFlushedBeforeTheNextRow() {
        buffer.add(user(RowKind.INSERT, 1));
        assertFalse(buffer.mustFlushBefore(user(RowKind.INSERT, 2)));
        buffer.add(user(RowKind.INSERT, 2));
        assertTrue(buffer.mustFlushBefore(user(RowKind.INSERT, 3)));
        assertTrue(buffer.mustFlushBefore(user(RowKind.UPDATE_BEFORE, 3)), "an update may start in the next batch");
    }

    @Test
    void anUpdatesOldAndNewRowAreNeverSplit() {
        buffer.add(user(RowKind.INSERT, 1));
        buffer.add(user(RowKind.UPDATE_BEFORE, 2));
        assertFalse(buffer.canFlush());
        assertFalse(buffer.mustFlushBefore(user(RowKind.UPDATE_AFTER, 2)));
        buffer.add(user(RowKind.UPDATE_AFTER, 2));
        assertTrue(buffer.canFlush());
        assertTrue(buffer.mustFlushBefore(user(RowKind.INSERT, 3)));
    }

    @Test
    void anotherChannelsRowBetweenAnOldAndANewRowDoesNotEndTheUpdate() {
        buffer.add(user(RowKind.UPDATE_BEFORE, 1));
        buffer.add(user(RowKind.INSERT, 2));
        assertFalse(buffer.mustFlushBefore(user(RowKind.INSERT, 3)));
        buffer.add(user(RowKind.INSERT, 3));
        assertFalse(buffer.mustFlushBefore(user(RowKind.UPDATE_AFTER, 1)));
        buffer.add(user(RowKind.UPDATE_AFTER, 1));
        assertTrue(buffer.mustFlushBefore(user(RowKind.INSERT, 4)));
    }

    @Test
    void anUpdateThatChangesTheKeyDeletesTheOldKey() {
        buffer.add(user(RowKind.UPDATE_BEFORE, 1));
        buffer.add(user(RowKind.UPDATE_AFTER, 2));
        assertEquals(List.of(new HashWrite.Delete("user:1"), USERS.toWrite(user(RowKind.INSERT, 2))), buffer.drain());
    }

    @Test
    void drainingGivesTheWritesInArrivalOrderAndEmptiesTheBuffer() {
        buffer.add(user(RowKind.INSERT, 2));
        buffer.add(user(RowKind.DELETE, 1));
        buffer.add(user(RowKind.INSERT, 1));
        assertEquals(List.of(USERS.toWrite(user(RowKind.INSERT, 2)), new HashWrite.Delete("user:1"),
                USERS.toWrite(user(RowKind.INSERT, 1))), buffer.drain());
        assertTrue(buffer.isEmpty());
        assertFalse(buffer.mustFlushBefore(user(RowKind.INSERT, 3)));
    }
}
