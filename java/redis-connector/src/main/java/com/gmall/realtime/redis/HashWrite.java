package com.gmall.realtime.redis;

import java.util.Map;

/** One row's change of its Redis hash, as the writer sends it: already text, so rows may be reused. */
sealed interface HashWrite {

    String key();

    /** The hash becomes exactly {@code fields}: DEL, then HSET, so that fields that became NULL go. */
    record Replace(String key, Map<String, String> fields) implements HashWrite { }

    /** The hash is removed: DEL. */
    record Delete(String key) implements HashWrite { }
}
