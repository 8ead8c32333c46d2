package com.gmall.realtime.udf;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code record_text(value)}: a Kafka record's value as text when it is valid UTF-8, else NULL.
 *
 * <p>The jobs read their topics as bytes, not as Flink strings: Flink decodes a string leniently
 * (an invalid byte becomes U+FFFD, an encoded surrogate a lone surrogate), so a record that is not
 * UTF-8 would reach the parsers looking like a different, possibly valid one. Decoded strictly,
 * such a record is a dead letter of its own ({@code invalid UTF-8}) and keeps its exact bytes there
 * (in base64), and every other record is read exactly as sent.
 */
public class RecordText extends ScalarFunction {

    public String eval(byte[] value) {
        return decode(value);
    }

    /** The value as text when it is valid UTF-8 (RFC 3629: no surrogates, no overlong forms), else NULL. */
    public static String decode(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
