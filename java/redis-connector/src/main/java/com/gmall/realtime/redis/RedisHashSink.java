package com.gmall.realtime.redis;

import java.time.Duration;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.table.data.RowData;

/**
 * Keeps a changelog's rows as Redis hashes, one per primary key (see {@link HashRowMapper}).
 *
 * <p>Exactly-once by key, without transactions spanning checkpoints: every write of a batch is
 * applied before the checkpoint barrier passes the writer, and a key's hash after a batch depends
 * only on the key's last row in it (a replace sets exactly its fields, a delete removes it), not on
 * what was there before. So the rows replayed after a restore from a checkpoint write again what
 * they wrote before the failure, and the hashes end as the table is. In between, a reader may see
 * a hash as it was at some later point and then, until the replay reaches that point again, as it
 * was before.
 */
public final class RedisHashSink implements Sink<RowData> {

    private static final long serialVersionUID = 1L;

    /** The wait before the first retry of a batch that could not reach Redis; each next one is twice as long. */
    static final Duration FIRST_RETRY_BACKOFF = Duration.ofSeconds(1);

    private final String host;
    private final int port;
    private final String password;
    private final HashRowMapper rows;
    private final int maxBufferedRows;
    private final Duration flushInterval;
    private final int maxRetries;

    RedisHashSink(String host, int port, String password, HashRowMapper rows, int maxBufferedRows,
            Duration flushInterval, int maxRetries) {
        this.host = host;
        this.port = port;
        this.password = password;
        this.rows = rows;
        this.maxBufferedRows = maxBufferedRows;
        this.flushInterval = flushInterval;
        this.maxRetries = maxRetries;
    }

    /** What Flink 1.20 calls. */
    @Override
    public SinkWriter<RowData> createWriter(WriterInitContext context) {
        return createWriter(context.getProcessingTimeService());
    }

    /** Still abstract in Flink 1.20, which calls {@link #createWriter(WriterInitContext)} instead. */
    @Override
    @Deprecated
    public SinkWriter<RowData> createWriter(InitContext context) {
        return createWriter(context.getProcessingTimeService());
    }

    private SinkWriter<RowData> createWriter(ProcessingTimeService timeService) {
        return new RedisHashWriter(new RedisHashStore(host, port, password),
                new ChangelogBuffer(rows, maxBufferedRows), timeService, flushInterval, maxRetries,
                FIRST_RETRY_BACKOFF);
    }
}
