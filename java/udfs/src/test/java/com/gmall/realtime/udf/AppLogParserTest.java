package com.gmall.realtime.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;

import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

/** The clock-skew rule of {@link AppLogParser} and {@link AppLogTime}, at its edge. */
class AppLogParserTest {

    private static final long RECORD_MS = 1_763_654_400_000L;
    private static final long MAX_FUTURE_MS = 60_000L;

    private static String start(long ts) {
        return "{\"type\":\"startup\",\"mid\":\"mid_1\",\"uid\":\"1\",\"appid\":\"gmall2020\",\"area\":\"beijing\","
                + "\"os\":\"ios\",\"ch\":\"appstore\",\"vs\":\"1.2.0\",\"ts\":" + ts + "}";
    }

    private static Row parse(long ts) {
        return new AppLogParser().eval(start(ts), "startup", Instant.ofEpochMilli(RECORD_MS), MAX_FUTURE_MS);
    }

    @Test
    void aLogAsFarAheadAsAllowedIsValid() {
        Row row = parse(RECORD_MS + MAX_FUTURE_MS);
        assertNull(row.getField(0));
        assertEquals(RECORD_MS + MAX_FUTURE_MS, row.getField(AppLogParser.TS_POSITION));
    }

    @Test
    void aLogOneMillisecondFurtherAheadIsClockSkewWithoutATs() {
        Row row = parse(RECORD_MS + MAX_FUTURE_MS + 1);
        assertEquals("clock skew", row.getField(0));
        assertNull(row.getField(AppLogParser.TS_POSITION));
        assertNull(new AppLogTime().eval(start(RECORD_MS + MAX_FUTURE_MS + 1), "startup",
                Instant.ofEpochMilli(RECORD_MS), MAX_FUTURE_MS));
    }

    @Test
    void anInvalidLogKeepsItsOwnReason() {
        Row row = new AppLogParser().eval("{", "startup", Instant.ofEpochMilli(RECORD_MS), MAX_FUTURE_MS);
        assertEquals("malformed JSON", row.getField(0));
    }

    @Test
    void aLogBehindItsRecordIsValid() {
        assertNull(parse(RECORD_MS - 86_400_000L).getField(0));
    }
}
