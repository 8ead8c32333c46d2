package com.gmall.realtime.redis;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;

/**
 * How the project's Java code connects to Redis: the sink here and the user look-up of the jobs'
 * functions (java/udfs) alike. The timeouts bound how long one attempt may hang, so a stopped
 * server shows as an error the caller can retry or fail the job with.
 */
public final class RedisConnections {

    private RedisConnections() {
    }

    /** A pooled client of the server; an empty or null password means none. */
    public static RedisClient open(String host, int port, String password) {
        return RedisClient.builder()
                .hostAndPort(host, port)
                .clientConfig(DefaultJedisClientConfig.builder()
                        .password(password == null || password.isEmpty() ? null : password)
                        .connectionTimeoutMillis(10_000)
                        .socketTimeoutMillis(30_000)
                        .build())
                .build();
    }
}
