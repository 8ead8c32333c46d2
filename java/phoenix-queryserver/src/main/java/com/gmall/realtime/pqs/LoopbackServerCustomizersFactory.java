package com.gmall.realtime.pqs;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.avatica.server.AvaticaServerConfiguration;
import org.apache.calcite.avatica.server.ServerCustomizer;
import org.apache.hadoop.conf.Configuration;
import org.apache.phoenix.queryserver.server.ServerCustomizersFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Keeps the Query Server's own customizers and binds its HTTP connectors to
 * {@code phoenix.queryserver.http.host} (default 127.0.0.1): PQS 6.0.0 has no such setting and
 * would otherwise listen on every interface. Found by PQS through {@link java.util.ServiceLoader}.
 */
public class LoopbackServerCustomizersFactory extends ServerCustomizersFactory.ServerCustomizersFactoryImpl {
  @Override
  public List<ServerCustomizer<Server>> createServerCustomizers(
      Configuration conf, AvaticaServerConfiguration avaticaConf) {
    List<ServerCustomizer<Server>> customizers =
        new ArrayList<>(super.createServerCustomizers(conf, avaticaConf));
    String host = conf.get("phoenix.queryserver.http.host", "127.0.0.1");
    customizers.add(server -> {
      for (Connector connector : server.getConnectors()) {
        if (connector instanceof ServerConnector) {
          ((ServerConnector) connector).setHost(host);
        }
      }
    });
    return customizers;
  }
}
