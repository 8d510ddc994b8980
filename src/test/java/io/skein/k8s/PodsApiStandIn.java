package io.skein.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A local stand-in for the one Kubernetes API call cluster bootstrap makes: list the pods of a
 * namespace by label selector. HTTPS on 127.0.0.1 with a fresh self-signed certificate, and
 * a bearer token, as an API server checks a service account's; what a pod reads from
 * /var/run/secrets/kubernetes.io/serviceaccount is written to a directory instead.
 */
final class PodsApiStandIn implements AutoCloseable {

  /** One pod as the API lists it: a running pod with its IP and named container ports. */
  record Pod(String name, String ip, Map<String, Integer> containerPorts) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PASSWORD = "stand-in";

  private final HttpsServer server;
  private final String token;
  private final String namespace;
  private final String labelSelector;
  private final List<Pod> pods;
  private final AtomicInteger listed = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  private PodsApiStandIn(HttpsServer server, String token, String namespace, String labelSelector, List<Pod> pods) {
    this.server = server;
    this.token = token;
    this.namespace = namespace;
    this.labelSelector = labelSelector;
    this.pods = List.copyOf(pods);
  }

  /**
   * Starts the server and writes {@code ca.crt}, {@code token} and {@code namespace} into
   * {@code serviceAccountDir}, like the files Kubernetes mounts into a pod.
   */
  static PodsApiStandIn start(Path serviceAccountDir, String namespace, String labelSelector, List<Pod> pods)
      throws Exception {
    Files.createDirectories(serviceAccountDir);
    Path keyStore = serviceAccountDir.resolve("server.p12");
    keytool("-genkeypair", "-alias", "api", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=kubernetes", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
        "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool("-exportcert", "-rfc", "-alias", "api", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
        "-file", serviceAccountDir.resolve("ca.crt").toString());
    String token = "token-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
    Files.writeString(serviceAccountDir.resolve("token"), token);
    Files.writeString(serviceAccountDir.resolve("namespace"), namespace);

    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(keyStore.toFile())) {
      keys.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, PASSWORD.toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keyManagers.getKeyManagers(), null, null);

    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    PodsApiStandIn api = new PodsApiStandIn(server, token, namespace, labelSelector, pods);
    server.createContext("/", api::handle);
    server.start();
    return api;
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
      throw new IllegalStateException("keytool " + List.of(args) + " failed: " + output);
    }
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Pod lists served to callers that asked as the manifests' service account would. */
  int listed() {
    return listed.get();
  }

  /** Requests refused: wrong token, namespace, path or label selector. */
  int refused() {
    return refused.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String query = exchange.getRequestURI().getRawQuery();
      String selector = query != null && query.startsWith("labelSelector=")
          ? URLDecoder.decode(query.substring("labelSelector=".length()), StandardCharsets.UTF_8) : null;
      if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        reply(exchange, 401, "{\"kind\":\"Status\",\"code\":401,\"reason\":\"Unauthorized\"}");
      } else if (!exchange.getRequestMethod().equals("GET")
          || !path.equals("/api/v1/namespaces/" + namespace + "/pods")
          || !labelSelector.equals(selector)) {
        // The Role allows listing pods in its own namespace only.
        reply(exchange, 403, "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\",\"message\":\""
            + exchange.getRequestMethod() + " " + path + "?" + query + "\"}");
      } else {
        listed.incrementAndGet();
        reply(exchange, 200, podList());
        return;
      }
      refused.incrementAndGet();
    }
  }

  private String podList() throws IOException {
    ObjectNode list = JSON.createObjectNode().put("kind", "PodList").put("apiVersion", "v1");
    ArrayNode items = list.putArray("items");
    for (Pod pod : pods) {
      ObjectNode item = items.addObject();
      ObjectNode metadata = item.putObject("metadata").put("name", pod.name()).put("namespace", namespace);
      String[] label = labelSelector.split("=", 2);
      metadata.putObject("labels").put(label[0], label[1]);
      ArrayNode ports = item.putObject("spec").putArray("containers").addObject().put("name", "skein")
          .putArray("ports");
      pod.containerPorts().forEach((name, port) -> ports.addObject().put("name", name).put("containerPort", port));
      ObjectNode status = item.putObject("status").put("phase", "Running").put("podIP", pod.ip());
      status.putArray("containerStatuses").addObject().put("name", "skein").putObject("state").putObject("running");
    }
    return JSON.writeValueAsString(list);
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
