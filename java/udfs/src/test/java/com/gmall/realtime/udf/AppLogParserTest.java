package com.gmall.realtime.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Row parse(byte[] record) {
        return new AppLogParser().eval(record, "startup", Instant.ofEpochMilli(RECORD_MS), MAX_FUTURE_MS);
    }

    private static Row parse(long ts) {
        return parse(utf8(start(ts)));
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
        assertNull(new AppLogTime().eval(utf8(start(RECORD_MS + MAX_FUTURE_MS + 1)), "startup",
                Instant.ofEpochMilli(RECORD_MS), MAX_FUTURE_MS));
    }

    @Test
    void anInvalidLogKeepsItsOwnReason() {
        assertEquals("malformed JSON", parse(utf8("{")).getField(0));
    }

    @Test
    void aRecordWithoutAValueIsADeadLetterOfItsOwn() {
        assertEquals("null value", parse((byte[]) null).getField(0));
    }

    @Test
    void aRecordThatIsNotUtf8IsADeadLetterEvenWhereALenientDecoderWouldReadAValidLog() {
        String log = start(RECORD_MS);
        int inDeviceId = log.indexOf("mid_1") + 4;
        // an encoded surrogate (ED A0 80) and a lone continuation byte, each inside the device id
        for (byte[] bad : new byte[][] {{(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0x80}}) {
            ByteArrayOutputStream record = new ByteArrayOutputStream();
            record.writeBytes(utf8(log.substring(0, inDeviceId)));
            record.writeBytes(bad);
            record.writeBytes(utf8(log.substring(inDeviceId)));
            assertEquals("invalid UTF-8", parse(record.toByteArray()).getField(0));
            assertNull(new RecordText().eval(record.toByteArray()));
        }
        assertEquals(log, new RecordText().eval(utf8(log)));
    }

    @Test
    void aRecordOverSixtyFourKibibytesIsOversizedUnparsed() {
        String log = start(RECORD_MS);
        String padded = log.substring(0, log.length() - 1) + ",\"pad\":\"";
        String atLimit = padded + "x".repeat(AppLogParser.MAX_LOG_BYTES - padded.length() - 2) + "\"}";
        assertNull(parse(utf8(atLimit)).getField(0));
        assertEquals("oversized", parse(utf8(atLimit.replace("\"pad\":\"", "\"pad\":\"x"))).getField(0));
    }

    @Test
    void aLogBehindItsRecordIsValid() {
        assertNull(parse(RECORD_MS - 86_400_000L).getField(0));
    }
}
