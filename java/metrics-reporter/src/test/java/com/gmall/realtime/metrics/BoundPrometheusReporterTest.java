package com.gmall.realtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.LogicalScopeProvider;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.prometheus.BoundPrometheusReporter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The reporter serves what Flink's own would, under the same names, on loopback only. */
class BoundPrometheusReporterTest {

    private BoundPrometheusReporter reporter;

    @AfterEach
    void close() {
        if (reporter != null) {
            reporter.close();
        }
    }

    private BoundPrometheusReporter open(String port, boolean filterLabels) {
        MetricConfig config = new MetricConfig();
        config.setProperty("host", "127.0.0.1");
        config.setProperty("port", port);
        config.setProperty("filterLabelValueCharacters", String.valueOf(filterLabels));
        reporter = (BoundPrometheusReporter) new BoundPrometheusReporterFactory().createMetricReporter(config);
        reporter.open(config);
        return reporter;
    }

    @Test
    void servesOperatorMetricsUnderFlinksNamesWithTheVariablesAsLabels() throws IOException {
        open("0", false);
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("<job_name>", "gmall-dau");
        variables.put("<subtask_index>", "0");
        variables.put("<reason>", "missing field mid");
        Counter counter = new SimpleCounter();
        counter.inc(3);
        reporter.notifyOfAddedMetric(counter, "gmall_dead_letters_by_reason",
                new Group("taskmanager.job.task.operator.reason", variables));

        String body = scrape(reporter.getAddress());
        assertTrue(body.contains("flink_taskmanager_job_task_operator_reason_gmall_dead_letters_by_reason{"
                + "job_name=\"gmall-dau\",subtask_index=\"0\",reason=\"missing field mid\",} 3.0"), body);
    }

    @Test
    void filtersLabelValuesAsFlinksReporterDoesByDefault() throws IOException {
        open("0", true);
        Counter counter = new SimpleCounter();
        reporter.notifyOfAddedMetric(counter, "numRestarts",
                new Group("jobmanager.job", Collections.singletonMap("<job_name>", "gmall-dau")));
        assertTrue(scrape(reporter.getAddress()).contains("flink_jobmanager_job_numRestarts{job_name=\"gmall_dau\",} 0.0"));
    }

    @Test
    void listensOnLoopbackOnly() throws IOException {
        InetSocketAddress address = open("0", false).getAddress();
        assertTrue(address.getAddress().isLoopbackAddress(), address.toString());
        Optional<InetAddress> other = nonLoopbackAddress();
        if (other.isPresent()) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(other.get(), address.getPort()), 2000);
                fail("the reporter answered on " + other.get());
            } catch (ConnectException expected) {
                // refused: nothing listens there
            }
        }
    }

    @Test
    void takesTheFirstFreePortOfARange() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            if (port == 65535) {
                return;
            }
            assertEquals(port + 1, open(port + "-" + (port + 1), false).getAddress().getPort());
        }
    }

    @Test
    void portsAreAPortOrARange() {
        assertEquals(List.of(9249), BoundPrometheusReporterFactory.ports("9249"));
        assertEquals(List.of(9250, 9251, 9252), BoundPrometheusReporterFactory.ports(" 9250-9252 "));
        assertThrows(IllegalArgumentException.class, () -> BoundPrometheusReporterFactory.ports("9252-9250"));
        assertThrows(IllegalArgumentException.class, () -> BoundPrometheusReporterFactory.ports("http"));
    }

    private static String scrape(InetSocketAddress address) throws IOException {
        URL url = new URL("http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + "/metrics");
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            connection.disconnect();
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }

    /** A metric group with a logical scope and variables, as Flink's own groups give them to reporters. */
    private static final class Group implements MetricGroup, LogicalScopeProvider {
        private final String logicalScope;
        private final Map<String, String> variables;

        Group(String logicalScope, Map<String, String> variables) {
            this.logicalScope = logicalScope;
            this.variables = variables;
        }

        @Override
        public String getLogicalScope(CharacterFilter filter) {
            return getLogicalScope(filter, '.');
        }

        @Override
        public String getLogicalScope(CharacterFilter filter, char delimiter) {
            StringBuilder scope = new StringBuilder();
            for (String component : logicalScope.split("\\.")) {
                if (scope.length() > 0) {
                    scope.append(delimiter);
                }
                scope.append(filter.filterCharacters(component));
            }
            return scope.toString();
        }

        @Override
        public MetricGroup getWrappedMetricGroup() {
            return this;
        }

        @Override
        public Map<String, String> getAllVariables() {
            return variables;
        }

        @Override
        public String[] getScopeComponents() {
            return logicalScope.split("\\.");
        }

        @Override
        public String getMetricIdentifier(String metricName) {
            return logicalScope + "." + metricName;
        }

        @Override
        public String getMetricIdentifier(String metricName, CharacterFilter filter) {
            return filter.filterCharacters(getMetricIdentifier(metricName));
        }

        @Override
        public Counter counter(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <H extends Histogram> H histogram(String name, H histogram) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <M extends Meter> M meter(String name, M meter) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MetricGroup addGroup(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            throw new UnsupportedOperationException();
        }
    }
}
