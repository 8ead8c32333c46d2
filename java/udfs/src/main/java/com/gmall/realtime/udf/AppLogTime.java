package com.gmall.realtime.udf;

import java.time.Instant;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code app_log_ts(record, log_type, record_time, max_future_ms)}: the {@code ts} of a valid app log
 * record, NULL for a dead letter (a device's wrong clock included), by the rules of
 * {@link AppLogParser}. For a source's event time: unlike {@code parse_app_log} it is
 * deterministic, as an event time must be, since the planner computes it both for the watermark
 * and for the rows.
 */
public class AppLogTime extends ScalarFunction {

    public Long eval(byte[] record, String logType,
                     @DataTypeHint("TIMESTAMP_LTZ(3)") Instant recordTime, Long maxFutureMs) {
        return (Long) AppLogParser.parse(record, logType, recordTime, maxFutureMs).getField(AppLogParser.TS_POSITION);
    }
}
