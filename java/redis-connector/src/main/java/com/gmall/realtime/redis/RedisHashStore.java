package com.gmall.realtime.redis;

import java.util.List;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The hashes in one Redis server. A batch is one MULTI/EXEC transaction, so a reader sees all of
 * it or none, sent as one pipeline: one round trip (Jedis's own transaction reads the QUEUED replies
 * before it sends EXEC, two). If the connection breaks before EXEC, Redis drops the transaction.
 */
final class RedisHashStore implements HashStore {

    private final RedisClient client;

    RedisHashStore(String host, int port, String password) {
        client = RedisConnections.open(host, port, password);
    }

    @Override
    public void apply(List<HashWrite> writes) {
        Response<Object> exec;
        try (Pipeline pipeline = client.pipelined()) {
            pipeline.sendCommand(new CommandArguments(Protocol.Command.MULTI));
            for (HashWrite write : writes) {
                pipeline.del(write.key());
                if (write instanceof HashWrite.Replace replace) {
                    pipeline.hset(replace.key(), replace.fields());
                }
            }
            exec = pipeline.sendCommand(new CommandArguments(Protocol.Command.EXEC));
        }
        // get() throws EXECABORT when Redis refused to queue a command; a command that failed
        // inside the transaction is an error among the replies
        for (Object reply : (List<?>) exec.get()) {
            if (reply instanceof JedisDataException failed) {
                throw failed;
            }
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
