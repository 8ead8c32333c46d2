package com.gmall.realtime.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link UserLookup} over in-memory stand-ins for Redis and MariaDB and a clock the test moves. */
class UserLookupTest {

    private static final String ALICE = "{\"gender\":\"F\",\"birthday\":\"2000-02-29\",\"user_level\":\"3\"}";

    /** A store of users by id that records every id it is asked for. */
    private static final class Store implements UserLookup.UserStore {
        final Map<Long, Map<String, String>> users = new HashMap<>();
        final List<Long> asked = new ArrayList<>();
        boolean closed;

        @Override
        public Map<String, String> find(long userId) {
            asked.add(userId);
            return users.get(userId);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private final Store redis = new Store();
    private final Store mariadb = new Store();
    private long nanos = 1_000;
    private UserLookup lookup;

    private static Map<String, String> user(String gender, String birthday, String level) {
        Map<String, String> user = new HashMap<>();
        user.put("gender", gender);
        user.put("birthday", birthday);
        user.put("user_level", level);
        return user;
    }

    @BeforeEach
    void open() {
        lookup = new UserLookup("redis.invalid", 6379, "secret", "user:", "mariadb.invalid", 3306, "gmall", "secret",
                "gmall");
        lookup.open(redis, mariadb, () -> nanos);
    }

    @Test
    void aUserInRedisIsReadFromRedisOnly() {
        redis.users.put(7L, user("F", "2000-02-29", "3"));
        assertEquals(ALICE, lookup.eval(7L, false));
        assertEquals(List.of(7L), redis.asked);
        assertEquals(List.of(), mariadb.asked);
    }

    @Test
    void aUserNotInRedisIsReadFromMariaDb() {
        mariadb.users.put(7L, user("F", "2000-02-29", "3"));
        assertEquals(ALICE, lookup.eval(7L, false));
        assertEquals(List.of(7L), redis.asked);
        assertEquals(List.of(7L), mariadb.asked);
    }

    @Test
    void nullColumnsAreJsonNulls() {
        redis.users.put(7L, user(null, null, "1"));
        assertEquals("{\"gender\":null,\"birthday\":null,\"user_level\":\"1\"}", lookup.eval(7L, false));
    }

    @Test
    void aUserFoundNowhereIsNullAndLookedUpAgainNextTime() {
        assertNull(lookup.eval(7L, false));
        mariadb.users.put(7L, user("F", "2000-02-29", "3"));
        assertEquals(ALICE, lookup.eval(7L, false));
        assertEquals(List.of(7L, 7L), redis.asked);
        assertEquals(List.of(7L, 7L), mariadb.asked);
    }

    @Test
    void aKnownUserOrNoUserIdIsNullWithoutLookUp() {
        redis.users.put(7L, user("F", "2000-02-29", "3"));
        assertNull(lookup.eval(7L, true));
        assertNull(lookup.eval(null, false));
        assertNull(lookup.eval(null, true));
        assertEquals(List.of(), redis.asked);
        assertEquals(List.of(), mariadb.asked);
    }

    @Test
    void aFoundUserIsCachedUntilItExpiresThenTheChangedHashIsRead() {
        redis.users.put(7L, user("F", "2000-02-29", "3"));
        assertEquals(ALICE, lookup.eval(7L, false));
        redis.users.put(7L, user("F", "2000-02-29", "4"));
        nanos += TimeUnit.SECONDS.toNanos(UserLookup.CACHE_TTL_S);
        assertEquals(ALICE, lookup.eval(7L, false));
        assertEquals(List.of(7L), redis.asked);
        nanos += 1;
        assertEquals("{\"gender\":\"F\",\"birthday\":\"2000-02-29\",\"user_level\":\"4\"}", lookup.eval(7L, false));
        assertEquals(List.of(7L, 7L), redis.asked);
    }

    @Test
    void theCacheHoldsAtMostItsSizeAndEvictsTheOldestFirst() {
        Map<String, String> anyone = user("M", "1990-01-01", "1");
        List<Long> asked = new ArrayList<>();
        lookup.open(userId -> {
            asked.add(userId);
            return anyone;
        }, mariadb, () -> nanos);
        for (long id = 1; id <= UserLookup.CACHE_SIZE + 1; id++) {
            lookup.eval(id, false);
        }
        asked.clear();
        lookup.eval(2L, false);
        assertEquals(List.of(), asked);
        lookup.eval(1L, false);
        assertEquals(List.of(1L), asked);
    }

    @Test
    void closeClosesBothStores() {
        lookup.close();
        assertTrue(redis.closed && mariadb.closed);
    }

    @Test
    void theFunctionIsSerializableAndNonDeterministic() throws Exception {
        UserLookup copy = InstantiationUtil.clone(lookup);
        assertEquals(false, copy.isDeterministic());
    }
}
