package io.skein.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Requests to a broker's console API on its management port, answers read as JSON. */
final class ConsoleHttp {

  /** An answer: its status, its body as JSON (null if the body is not JSON), and its headers. */
  record Answer(int status, JsonNode json, String body, HttpHeaders headers) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final int port;
  /** Sent as the Cookie header, if set. */
  private final String cookie;

  ConsoleHttp(int port) {
    this(port, null);
  }

  private ConsoleHttp(int port, String cookie) {
    this.port = port;
    this.cookie = cookie;
  }

  /** Requests sending {@code cookie} ("name=value"). */
  ConsoleHttp withCookie(String cookie) {
    return new ConsoleHttp(port, cookie);
  }

  Answer get(String path) {
    return send(request(path).GET());
  }

  Answer post(String path, String body) {
    return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  Answer patch(String path, String body) {
    return send(request(path).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
  }

  Answer delete(String path) {
    return send(request(path).DELETE());
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    return cookie == null ? request : request.header("Cookie", cookie);
  }

  private Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json;
      try {
        json = JSON.readTree(response.body());
      } catch (IOException notJson) {
        json = null;
      }
      return new Answer(response.statusCode(), json, response.body(), response.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
