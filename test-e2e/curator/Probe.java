import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ProviderStrategy;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceProvider;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.curator.x.discovery.details.ServiceCacheListener;
import org.apache.curator.x.discovery.strategies.RandomStrategy;
import org.apache.curator.x.discovery.strategies.RoundRobinStrategy;
import org.apache.curator.x.discovery.strategies.StickyStrategy;

/**
 * Apache Curator x-discovery driven by JSON lines, for zkit's interop tests (test-e2e/curator.e2e.test.ts).
 * Usage: java Probe CONNECT_STRING. Each stdin line is a command {"seq", "cmd", "base", "name", ...}; each answer is
 * one stdout line {"seq", "ok": true, ...} or {"seq", "ok": false, "error"}; a ServiceCache's changes arrive as
 * {"event": "cache", "watch", "instances"}. Curator logs go to stderr. Ends at EOF on stdin.
 */
public final class Probe {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CuratorFramework client;
  private final Map<String, ServiceDiscovery<Map>> discoveries = new HashMap<>();
  private final Map<String, ServiceCache<Map>> caches = new HashMap<>();

  private Probe(CuratorFramework client) {
    this.client = client;
  }

  public static void main(String[] args) throws Exception {
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(args[0], 10_000, 5_000, new ExponentialBackoffRetry(100, 3));
    client.start();
    client.blockUntilConnected();
    Probe probe = new Probe(client);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      ObjectNode command = (ObjectNode) JSON.readTree(line);
      ObjectNode answer = JSON.createObjectNode();
      answer.set("seq", command.get("seq"));
      try {
        probe.run(command, answer);
        answer.put("ok", true);
      } catch (Exception e) {
        answer.put("ok", false);
        answer.put("error", e.toString());
      }
      emit(answer);
    }
    probe.close();
  }

  private void run(ObjectNode command, ObjectNode answer) throws Exception {
    String base = command.get("base").asText();
    String name = command.path("name").asText();
    ServiceDiscovery<Map> discovery = discovery(base);
    switch (command.get("cmd").asText()) {
      case "register": {
        ServiceInstance<Map> instance =
            ServiceInstance.<Map>builder()
                .name(name)
                .id(command.get("id").asText())
                .address(command.get("address").asText())
                .port(command.get("port").asInt())
                .payload(JSON.convertValue(command.get("payload"), LinkedHashMap.class))
                .build();
        discovery.registerService(instance);
        break;
      }
      case "unregister": {
        ServiceInstance<Map> instance = discovery.queryForInstance(name, command.get("id").asText());
        if (instance != null) discovery.unregisterService(instance);
        break;
      }
      case "list":
        answer.set("instances", describe(discovery.queryForInstances(name)));
        break;
      case "pick": {
        try (ServiceProvider<Map> provider =
            discovery.serviceProviderBuilder()
                .serviceName(name)
                .providerStrategy(strategy(command.get("strategy").asText()))
                .build()) {
          provider.start();
          List<String> ids = new ArrayList<>();
          for (int i = 0; i < command.get("count").asInt(); i++) {
            ServiceInstance<Map> picked = provider.getInstance();
            ids.add(picked == null ? null : picked.getId());
          }
          answer.set("ids", JSON.valueToTree(ids));
        }
        break;
      }
      case "watch": {
        String watch = command.get("watch").asText();
        ServiceCache<Map> cache = discovery.serviceCacheBuilder().name(name).build();
        cache.addListener(
            new ServiceCacheListener() {
              @Override
              public void cacheChanged() {
                ObjectNode event = JSON.createObjectNode();
                event.put("event", "cache");
                event.put("watch", watch);
                event.set("instances", describe(cache.getInstances()));
                emit(event);
              }

              @Override
              public void stateChanged(CuratorFramework client, org.apache.curator.framework.state.ConnectionState state) {}
            });
        cache.start();
        caches.put(watch, cache);
        answer.set("instances", describe(cache.getInstances()));
        break;
      }
      default:
        throw new IllegalArgumentException("unknown command " + command.get("cmd"));
    }
  }

  private ServiceDiscovery<Map> discovery(String base) throws Exception {
    ServiceDiscovery<Map> known = discoveries.get(base);
    if (known != null) return known;
    ServiceDiscovery<Map> discovery =
        ServiceDiscoveryBuilder.builder(Map.class)
            .client(client)
            .basePath(base)
            .serializer(new JsonInstanceSerializer<>(Map.class))
            .build();
    discovery.start();
    discoveries.put(base, discovery);
    return discovery;
  }

  private static ProviderStrategy<Map> strategy(String name) {
    switch (name) {
      case "round-robin":
        return new RoundRobinStrategy<>();
      case "random":
        return new RandomStrategy<>();
      case "sticky":
        return new StickyStrategy<>(new RoundRobinStrategy<>());
      default:
        throw new IllegalArgumentException("unknown strategy " + name);
    }
  }

  /** Instances as Curator read them, sorted by id. */
  private static com.fasterxml.jackson.databind.JsonNode describe(Collection<ServiceInstance<Map>> instances) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ServiceInstance<Map> instance : instances) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("id", instance.getId());
      one.put("name", instance.getName());
      one.put("address", instance.getAddress());
      one.put("port", instance.getPort());
      one.put("sslPort", instance.getSslPort());
      one.put("payload", instance.getPayload());
      one.put("payloadClass", instance.getPayload() == null ? null : instance.getPayload().getClass().getName());
      one.put("uri", instance.getUriSpec() == null ? null : instance.buildUriSpec());
      one.put("enabled", instance.isEnabled());
      out.add(one);
    }
    out.sort((a, b) -> String.valueOf(a.get("id")).compareTo(String.valueOf(b.get("id"))));
    return JSON.valueToTree(out);
  }

  private static synchronized void emit(ObjectNode line) {
    try {
      System.out.println(JSON.writeValueAsString(line));
      System.out.flush();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void close() throws Exception {
    for (ServiceCache<Map> cache : caches.values()) cache.close();
    for (ServiceDiscovery<Map> discovery : discoveries.values()) discovery.close();
    client.close();
  }
}
