package com.gmall.realtime.metrics;

import org.apache.flink.metrics.prometheus.BoundPrometheusReporter;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * {@code metrics.reporter.<name>.factory.class: com.gmall.realtime.metrics.BoundPrometheusReporterFactory}:
 * Flink's Prometheus reporter (names, labels and {@code filterLabelValueCharacters} as Flink's
 * own), listening on {@code host} (default 127.0.0.1) at {@code port}, a port or a range
 * {@code from-to} (default 9249) whose first free port it takes.
 */
public class BoundPrometheusReporterFactory implements MetricReporterFactory {

    public static final String ARG_HOST = "host";
    public static final String ARG_PORT = "port";
    static final String DEFAULT_HOST = "127.0.0.1";
    static final String DEFAULT_PORT = "9249";

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        String host = properties.getProperty(ARG_HOST, DEFAULT_HOST).trim();
        return new BoundPrometheusReporter(host, ports(properties.getProperty(ARG_PORT, DEFAULT_PORT)));
    }

    /** "9249" or "9250-9260" (both ends included). */
    static List<Integer> ports(String text) {
        String[] bounds = text.trim().split("-", -1);
        try {
            int from = Integer.parseInt(bounds[0].trim());
            int to = bounds.length == 2 ? Integer.parseInt(bounds[1].trim()) : from;
            if (bounds.length > 2 || from < 0 || to > 65535 || to < from) {
                throw new NumberFormatException();
            }
            List<Integer> ports = new ArrayList<>();
            for (int port = from; port <= to; port++) {
                ports.add(port);
            }
            return ports;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "metrics reporter port: expected a port or a range from-to, got '" + text + "'");
        }
    }
}
