package com.gmall.realtime.udf;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.functions.FunctionDefinition;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.inference.ArgumentCount;
import org.apache.flink.table.types.inference.CallContext;
import org.apache.flink.table.types.inference.ConstantArgumentCount;
import org.apache.flink.table.types.inference.InputTypeStrategy;
import org.apache.flink.table.types.inference.Signature;
import org.apache.flink.table.types.inference.TypeInference;
import org.apache.flink.table.types.inference.TypeStrategies;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * {@code to_phoenix(value)}: a BIGINT, INT, DECIMAL(p, s) or TIMESTAMP(p) as Phoenix serializes it, for
 * a BYTES column of Flink's HBase connector in a table read through Phoenix. The connector writes plain
 * HBase bytes (two's complement, a DECIMAL as scale and unscaled value, a TIMESTAMP as epoch millis);
 * Phoenix flips the sign bit so that bytes sort like numbers, writes DECIMAL in a variable-length
 * base-100 form and TIMESTAMP as 12 bytes with the sub-millisecond nanos, and would misread the
 * connector's bytes. NULL gives NULL: an empty cell, which Phoenix reads as NULL. Never throws.
 */
public class PhoenixBytes extends ScalarFunction {

    private static final Set<LogicalTypeRoot> ACCEPTED = EnumSet.of(LogicalTypeRoot.BIGINT,
            LogicalTypeRoot.INTEGER, LogicalTypeRoot.DECIMAL, LogicalTypeRoot.TIMESTAMP_WITHOUT_TIME_ZONE);

    /** Phoenix keeps at most 38 significant digits, rounded half up. */
    private static final MathContext DECIMAL_DIGITS = new MathContext(38, RoundingMode.HALF_UP);
    private static final byte DECIMAL_ZERO = (byte) 0x80;
    /** Ends a negative DECIMAL (it sorts above every digit byte), unless that would pass the limit. */
    private static final byte NEGATIVE_TERMINATOR = 102;
    private static final int DECIMAL_MAX_BYTES = 21;
    private static final int NANOS_PER_MILLI = 1_000_000;

    /** Phoenix BIGINT: 8 bytes, big-endian, sign bit flipped. */
    public byte[] eval(Long value) {
        return value == null ? null : ByteBuffer.allocate(Long.BYTES).putLong(value ^ Long.MIN_VALUE).array();
    }

    /** Phoenix INTEGER: 4 bytes, big-endian, sign bit flipped. */
    public byte[] eval(Integer value) {
        return value == null ? null : ByteBuffer.allocate(Integer.BYTES).putInt(value ^ Integer.MIN_VALUE).array();
    }

    /**
     * Phoenix TIMESTAMP: the epoch millis as a BIGINT, then the nanos within the millisecond (4 bytes).
     * The wall-clock time is stored as if it were UTC, which is how Phoenix and phoenixdb show it.
     */
    public byte[] eval(LocalDateTime value) {
        if (value == null) {
            return null;
        }
        // floor millis (also before 1970) and the nanos left over, as java.sql.Timestamp splits them
        long millis = value.toEpochSecond(ZoneOffset.UTC) * 1000 + value.getNano() / NANOS_PER_MILLI;
        return ByteBuffer.allocate(Long.BYTES + Integer.BYTES)
                .putLong(millis ^ Long.MIN_VALUE)
                .putInt(value.getNano() % NANOS_PER_MILLI)
                .array();
    }

    /**
     * Phoenix DECIMAL (1 to 21 bytes), whatever the precision and scale. A nonzero value, as
     * |v| = 0.d1 d2 ... dn x 100^e with base-100 digits d1 > 0 and dn > 0, is one exponent byte and
     * one byte per digit; a negative value has its exponent and digits mirrored, so that its bytes
     * sort in reverse, and a terminator byte. Zero is one byte.
     */
    public byte[] eval(BigDecimal value) {
        if (value == null) {
            return null;
        }
        BigDecimal v = value.round(DECIMAL_DIGITS).stripTrailingZeros();
        if (v.signum() == 0) {
            return new byte[] {DECIMAL_ZERO};
        }
        BigInteger unscaled = v.unscaledValue().abs();
        int scale = v.scale();
        if (scale % 2 != 0) { // base-100 digits need an even scale
            unscaled = unscaled.multiply(BigInteger.TEN);
            scale += 1;
        }
        String decimalDigits = unscaled.toString();
        if (decimalDigits.length() % 2 != 0) {
            decimalDigits = "0" + decimalDigits;
        }
        int digits = decimalDigits.length() / 2;
        int exponent = digits - scale / 2;
        boolean negative = v.signum() < 0;
        boolean terminated = negative && 1 + digits + 1 <= DECIMAL_MAX_BYTES;
        byte[] bytes = new byte[1 + digits + (terminated ? 1 : 0)];
        bytes[0] = (byte) (negative ? 63 - exponent : 192 + exponent);
        for (int i = 0; i < digits; i++) {
            int digit = Integer.parseInt(decimalDigits, 2 * i, 2 * i + 2, 10);
            bytes[1 + i] = (byte) (negative ? 101 - digit : digit + 1);
        }
        if (terminated) {
            bytes[bytes.length - 1] = NEGATIVE_TERMINATOR;
        }
        return bytes;
    }

    /**
     * One argument of exactly BIGINT, INT, DECIMAL(p, s) of any precision and scale, or TIMESTAMP(p),
     * passed as it is. Other types are refused, not cast, so that no SMALLINT becomes an 8-byte BIGINT
     * unnoticed: the query casts them.
     */
    @Override
    public TypeInference getTypeInference(DataTypeFactory typeFactory) {
        return TypeInference.newBuilder()
                .inputTypeStrategy(new InputTypeStrategy() {
                    @Override
                    public ArgumentCount getArgumentCount() {
                        return ConstantArgumentCount.of(1);
                    }

                    @Override
                    public Optional<List<DataType>> inferInputTypes(CallContext call, boolean throwOnFailure) {
                        List<DataType> arguments = call.getArgumentDataTypes();
                        if (ACCEPTED.contains(arguments.get(0).getLogicalType().getTypeRoot())) {
                            return Optional.of(arguments);
                        }
                        if (throwOnFailure) {
                            throw call.newValidationError("to_phoenix takes BIGINT, INT, DECIMAL or TIMESTAMP"
                                    + " (without time zone), not %s; cast it", arguments.get(0));
                        }
                        return Optional.empty();
                    }

                    @Override
                    public List<Signature> getExpectedSignatures(FunctionDefinition definition) {
                        return List.of(signature("BIGINT"), signature("INT"), signature("DECIMAL(p, s)"),
                                signature("TIMESTAMP(p)"));
                    }
                })
                .outputTypeStrategy(TypeStrategies.explicit(DataTypes.BYTES()))
                .build();
    }

    private static Signature signature(String type) {
        return Signature.of(Signature.Argument.of(type));
    }
}
