package com.gmall.realtime.canal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.annotation.Nullable;

import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each message judged first: one the rules reject is skipped (or fails the job, without
 * ignore-parse-errors), DDL gives nothing, and one they accept is decoded by canal-json (which
 * fails on what it cannot read, instead of applying part of a message) into a buffer, passed on
 * only once the whole message has decoded. canal-json failing on a message the rules accepted is
 * a gap in the rules: skipped the same way, logged at ERROR and counted in {@value #GAPS_METRIC}.
 */
public final class CheckedCanalJsonDeserializationSchema implements DeserializationSchema<RowData> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CheckedCanalJsonDeserializationSchema.class);
    private static final int LOGGED_CHARACTERS = 2000;

    public static final String GAPS_METRIC = "gmall_canal_check_gaps";

    private final CanalMessageRules rules;
    private final DeserializationSchema<RowData> canalJson;
    private final boolean ignoreParseErrors;
    private transient Counter gaps;

    public CheckedCanalJsonDeserializationSchema(
            CanalMessageRules rules, DeserializationSchema<RowData> canalJson, boolean ignoreParseErrors) {
        this.rules = rules;
        this.canalJson = canalJson;
        this.ignoreParseErrors = ignoreParseErrors;
    }

    @Override
    public void open(InitializationContext context) throws Exception {
        canalJson.open(context);
        gaps = context.getMetricGroup().counter(GAPS_METRIC);
    }

    @Override
    public RowData deserialize(byte[] message) {
        throw new UnsupportedOperationException(
                "a Canal message has any number of rows: deserialize(byte[], Collector)");
    }

    @Override
    public void deserialize(@Nullable byte[] message, Collector<RowData> out) throws IOException {
        CanalMessageRules.Verdict verdict = rules.judge(message);
        if (verdict.isRejected()) {
            if (!ignoreParseErrors) {
                throw new IOException("Canal message that cannot be applied (" + verdict.reason() + "): "
                        + (message == null ? null : new String(message, StandardCharsets.UTF_8)));
            }
            return;
        }
        if (!verdict.hasRows()) {
            return;
        }
        List<RowData> rows = new ArrayList<>();
        try {
            canalJson.deserialize(message, new ListCollector<>(rows));
        } catch (IOException e) {
            gaps.inc();
            String text = new String(message, StandardCharsets.UTF_8);
            LOG.error("A Canal message the rules accept failed in canal-json and is skipped, with no dead letter: {}",
                    text.length() > LOGGED_CHARACTERS ? text.substring(0, LOGGED_CHARACTERS) + "..." : text, e);
            if (!ignoreParseErrors) {
                throw e;
            }
            return;
        }
        rows.forEach(out::collect);
    }

    @Override
    public boolean isEndOfStream(RowData nextElement) {
        return false;
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
        return canalJson.getProducedType();
    }
}
