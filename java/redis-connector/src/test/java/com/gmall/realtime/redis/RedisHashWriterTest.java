package com.gmall.realtime.redis;

import static com.gmall.realtime.redis.Rows.USERS;
import static com.gmall.realtime.redis.Rows.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.exceptions.JedisConnectionException;

/** {@link RedisHashWriter} over a store that records its batches and a clock the test moves. */
class RedisHashWriterTest {

    /** Records every batch applied; fails the first {@code failures} attempts as an unreachable Redis would. */
    private static final class RecordingStore implements HashStore {
        final List<List<HashWrite>> batches = new ArrayList<>();
        int failures;
        int attempts;
        boolean closed;

        @Override
        public void apply(List<HashWrite> writes) {
            attempts++;
            if (failures > 0) {
                failures--;
                throw new JedisConnectionException("connection refused");
            }
            batches.add(List.copyOf(writes));
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** A processing time that moves only when the test says, firing the timers then due. */
    private static final class ManualTime implements ProcessingTimeService {
        private record Timer(long time, ProcessingTimeCallback callback) { }

        long now = 1_000;
        final List<Timer> timers = new ArrayList<>();

        @Override
        public long getCurrentProcessingTime() {
            return now;
        }

        @Override
        public ScheduledFuture<?> registerTimer(long time, ProcessingTimeCallback callback) {
            timers.add(new Timer(time, callback));
            return null;
        }

        void advance(long millis) throws Exception {
            now += millis;
            List<Timer> due = timers.stream().filter(timer -> timer.time <= now).toList();
            timers.removeAll(due);
            for (Timer timer : due) {
                timer.callback.onProcessingTime(now);
            }
        }
    }

    private final RecordingStore store = new RecordingStore();
    private final ManualTime time = new ManualTime();

    private RedisHashWriter writer(int maxRows, Duration flushInterval) {
        return new RedisHashWriter(store, new ChangelogBuffer(USERS, maxRows), time, flushInterval, 3, Duration.ZERO);
    }

    private static List<HashWrite> writes(RowData... rows) {
        return List.of(rows).stream().map(USERS::toWrite).toList();
    }

    @Test
    void aFullBufferIsOneBatch() throws Exception {
        RedisHashWriter writer = writer(2, Duration.ZERO);
        writer.write(user(RowKind.INSERT, 1), null);
        writer.write(user(RowKind.INSERT, 2), null);
        assertEquals(List.of(), store.batches);
        writer.write(user(RowKind.INSERT, 3), null);
        assertEquals(List.of(writes(user(RowKind.INSERT, 1), user(RowKind.INSERT, 2))), store.batches);
    }

    @Test
    void aSizeFlushWaitsForTheUpdatesNewRow() throws Exception {
        RedisHashWriter writer = writer(1, Duration.ZERO);
        writer.write(user(RowKind.INSERT, 1), null);
        writer.write(user(RowKind.UPDATE_BEFORE, 2, "old", "old"), null);
        writer.write(user(RowKind.UPDATE_AFTER, 2, "new", "new"), null);
        writer.write(user(RowKind.DELETE, 1), null);
        assertEquals(List.of(
                writes(user(RowKind.INSERT, 1)),
                writes(user(RowKind.UPDATE_BEFORE, 2, "old", "old"), user(RowKind.UPDATE_AFTER, 2, "new", "new"))),
                store.batches);
    }

    @Test
    void theIntervalFlushesWhatIsBuffered() throws Exception {
        RedisHashWriter writer = writer(1000, Duration.ofMillis(100));
        writer.write(user(RowKind.INSERT, 1), null);
        time.advance(50);
        writer.write(user(RowKind.INSERT, 2), null);
        assertEquals(1, time.timers.size(), "one timer for the oldest buffered row");
        time.advance(49);
        assertEquals(List.of(), store.batches);
        time.advance(1);
        assertEquals(List.of(writes(user(RowKind.INSERT, 1), user(RowKind.INSERT, 2))), store.batches);
    }

    @Test
    void theIntervalWaitsForTheUpdatesNewRow() throws Exception {
        RedisHashWriter writer = writer(1000, Duration.ofMillis(100));
        writer.write(user(RowKind.UPDATE_BEFORE, 1, "old", "old"), null);
        time.advance(100);
        assertEquals(List.of(), store.batches);
        writer.write(user(RowKind.UPDATE_AFTER, 1, "new", "new"), null);
        time.advance(100);
        assertEquals(List.of(writes(user(RowKind.UPDATE_BEFORE, 1, "old", "old"),
                user(RowKind.UPDATE_AFTER, 1, "new", "new"))), store.batches);
    }

    @Test
    void aZeroIntervalSetsNoTimer() throws Exception {
        writer(1000, Duration.ZERO).write(user(RowKind.INSERT, 1), null);
        assertEquals(List.of(), time.timers);
    }

    @Test
    void theCheckpointsFlushAndCloseWriteEverythingBuffered() throws Exception {
        RedisHashWriter writer = writer(1000, Duration.ZERO);
        writer.write(user(RowKind.INSERT, 1), null);
        writer.flush(false);
        writer.write(user(RowKind.DELETE, 1), null);
        writer.close();
        assertEquals(List.of(writes(user(RowKind.INSERT, 1)), writes(user(RowKind.DELETE, 1))), store.batches);
        assertTrue(store.closed);
    }

    @Test
    void anEmptyBufferIsNotSent() throws Exception {
        writer(1000, Duration.ZERO).flush(false);
        assertEquals(0, store.attempts);
    }

    @Test
    void anUnreachableRedisIsTriedAgain() throws Exception {
        RedisHashWriter writer = writer(1000, Duration.ZERO);
        store.failures = 3;
        writer.write(user(RowKind.INSERT, 1), null);
        writer.flush(false);
        assertEquals(4, store.attempts);
        assertEquals(List.of(writes(user(RowKind.INSERT, 1))), store.batches);
    }

    @Test
    void redisUnreachableBeyondTheRetriesFailsTheWriter() throws Exception {
        RedisHashWriter writer = writer(1000, Duration.ZERO);
        store.failures = 4;
        writer.write(user(RowKind.INSERT, 1), null);
        IOException failure = assertThrows(IOException.class, () -> writer.flush(false));
        assertInstanceOf(JedisConnectionException.class, failure.getCause());
        assertEquals(4, store.attempts);
        assertEquals(List.of(), store.batches);
    }
}
