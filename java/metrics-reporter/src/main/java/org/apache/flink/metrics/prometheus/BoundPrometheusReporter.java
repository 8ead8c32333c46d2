package org.apache.flink.metrics.prometheus;

import io.prometheus.client.exporter.HTTPServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Flink's {@link PrometheusReporter} with its HTTP server bound to one address: the same metric
 * names, labels and types (all of that is {@link AbstractPrometheusReporter}'s), served on
 * {@code host:port} instead of every interface.
 *
 * <p>It sits in Flink's package because the collector registry it serves is package-private in
 * {@link AbstractPrometheusReporter}. The plugin class loader loads both classes from the plugin's
 * own folder, so they share the package at run time; the build compiles this class against the
 * pinned flink-metrics-prometheus, so a release that changes the field fails the build, not the
 * cluster.
 */
public class BoundPrometheusReporter extends AbstractPrometheusReporter {

    private final HTTPServer server;
    private final InetSocketAddress address;

    /** Listens on {@code host} at the first free port of {@code ports}. */
    public BoundPrometheusReporter(String host, List<Integer> ports) {
        HTTPServer started = null;
        InetSocketAddress bound = null;
        IOException last = null;
        for (int port : ports) {
            InetSocketAddress candidate = new InetSocketAddress(host, port);
            try {
                started = new HTTPServer(candidate, registry);
                bound = new InetSocketAddress(candidate.getAddress(), started.getPort());
                break;
            } catch (IOException e) {
                last = e;
                log.debug("Could not start the Prometheus reporter's HTTP server on {}.", candidate, e);
            }
        }
        if (started == null) {
            throw new RuntimeException(
                    "Could not start the Prometheus reporter's HTTP server on " + host + " at any of the ports " + ports,
                    last);
        }
        server = started;
        address = bound;
        log.info("Started the Prometheus reporter's HTTP server on {}.", address);
    }

    /** Where the server listens (the port actually bound, also when 0 was asked for). */
    public InetSocketAddress getAddress() {
        return address;
    }

    @Override
    public void close() {
        server.stop();
        super.close();
    }
}
