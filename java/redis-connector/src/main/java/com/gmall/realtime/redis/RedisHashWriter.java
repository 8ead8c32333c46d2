package com.gmall.realtime.redis;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.table.data.RowData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Buffers the rows' hash writes and applies them, in arrival order, one batch per transaction: when
 * the buffer is full, at the latest the flush interval after a row was buffered, before every
 * checkpoint barrier ({@link #flush}) and on close. A flush for size or time never separates an
 * update's old row from its new one (see {@link ChangelogBuffer}). The checkpoint's flush writes
 * everything, as it must for the checkpoint to hold: with aligned checkpoints (the default) no
 * barrier comes between an update's two rows, which the upstream operator emits in one step.
 *
 * <p>Everything runs in the task's mailbox thread: the interval's timer is the sink's
 * {@link ProcessingTimeService}, whose callbacks are mails, so the buffer needs no locking.
 *
 * <p>A batch that cannot reach Redis is tried again {@code maxRetries} times, after
 * {@code firstRetryBackoff}, then twice as long each time; then the writer fails, the job restarts
 * from its last checkpoint and the rows since are written again. Nothing buffered is dropped: the
 * failed batch is given up only by failing the job.
 */
final class RedisHashWriter implements SinkWriter<RowData> {

    private static final Logger LOG = LoggerFactory.getLogger(RedisHashWriter.class);

    private final HashStore store;
    private final ChangelogBuffer buffer;
    private final ProcessingTimeService timeService;
    private final long flushIntervalMillis;
    private final int maxRetries;
    private final Duration firstRetryBackoff;
    private boolean flushTimerPending;

    RedisHashWriter(HashStore store, ChangelogBuffer buffer, ProcessingTimeService timeService,
            Duration flushInterval, int maxRetries, Duration firstRetryBackoff) {
        this.store = store;
        this.buffer = buffer;
        this.timeService = timeService;
        this.flushIntervalMillis = flushInterval.toMillis();
        this.maxRetries = maxRetries;
        this.firstRetryBackoff = firstRetryBackoff;
    }

    @Override
    public void write(RowData row, Context context) throws IOException, InterruptedException {
        if (buffer.mustFlushBefore(row)) {
            flushBuffer();
        }
        buffer.add(row);
        startFlushTimer();
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        flushBuffer();
    }

    @Override
    public void close() throws Exception {
        try {
            flushBuffer();
        } finally {
            store.close();
        }
    }

    private void startFlushTimer() {
        if (flushIntervalMillis > 0 && !flushTimerPending) {
            flushTimerPending = true;
            timeService.registerTimer(timeService.getCurrentProcessingTime() + flushIntervalMillis, this::onFlushTimer);
        }
    }

    private void onFlushTimer(long time) throws IOException, InterruptedException {
        flushTimerPending = false;
        if (buffer.canFlush()) {
            flushBuffer();
        } else {
            startFlushTimer();
        }
    }

    private void flushBuffer() throws IOException, InterruptedException {
        if (buffer.isEmpty()) {
            return;
        }
        List<HashWrite> batch = buffer.drain();
        Duration backoff = firstRetryBackoff;
        for (int retry = 0; ; retry++) {
            try {
                store.apply(batch);
                return;
            } catch (JedisConnectionException unreachable) {
                if (retry == maxRetries) {
                    throw new IOException("Redis unreachable: a batch of " + batch.size() + " hash writes failed "
                            + (maxRetries + 1) + " times", unreachable);
                }
                LOG.warn("Redis unreachable, writing a batch of {} hash writes again in {} ms",
                        batch.size(), backoff.toMillis(), unreachable);
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2);
            }
        }
    }
}
