package com.gmall.realtime.udf;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.gmall.realtime.redis.RedisConnections;

import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** Users from the Redis hashes {@code <keyPrefix><id>} ({@code user:<id>}) the user-dim job keeps. */
final class RedisUsers implements UserLookup.UserStore {

    private static final String[] ID_AND_FIELDS =
            Stream.concat(Stream.of("id"), UserLookup.FIELDS.stream()).toArray(String[]::new);

    private final RedisClient client;
    private final String keyPrefix;

    RedisUsers(String host, int port, String password, String keyPrefix) {
        client = RedisConnections.open(host, port, password);
        this.keyPrefix = keyPrefix;
    }

    @Override
    public Map<String, String> find(long userId) {
        List<String> values;
        try {
            values = read(userId);
        } catch (JedisConnectionException dropped) {
            // the pool has discarded the dropped connection: once more, on a new one
            values = read(userId);
        }
        if (values.get(0) == null) { // every user hash has its id
            return null;
        }
        Map<String, String> user = new HashMap<>();
        for (int i = 0; i < UserLookup.FIELDS.size(); i++) {
            user.put(UserLookup.FIELDS.get(i), values.get(i + 1));
        }
        return user;
    }

    private List<String> read(long userId) {
        return client.hmget(keyPrefix + userId, ID_AND_FIELDS);
    }

    @Override
    public void close() {
        client.close();
    }
}
