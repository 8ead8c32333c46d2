package com.gmall.realtime.elasticsearch;

import java.io.Serializable;
import java.util.List;

/** How documents are sent: the cluster's hosts and the bulk requests' size, interval and retries. */
record BulkSettings(List<String> hosts, int maxActions, int maxSizeMb, long intervalMs, int backoffRetries,
                    long backoffDelayMs) implements Serializable {
}
