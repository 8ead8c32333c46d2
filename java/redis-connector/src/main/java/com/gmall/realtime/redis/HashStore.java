package com.gmall.realtime.redis;

import java.util.List;

/** Where the writer applies its batches: Redis, or a stand-in in the tests. */
interface HashStore extends AutoCloseable {

    /**
     * Applies {@code writes} in order, in one transaction. Throws
     * {@link redis.clients.jedis.exceptions.JedisConnectionException} when the store could not be
     * reached (then none were applied, or all: a retry gives the same hashes either way).
     */
    void apply(List<HashWrite> writes);

    @Override
    void close();
}
