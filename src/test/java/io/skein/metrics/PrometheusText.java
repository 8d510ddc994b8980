package io.skein.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** One scrape of a /metrics endpoint, parsed from the Prometheus text format, for tests. */
public record PrometheusText(List<Sample> samples) {

  /** One line: a series (name and labels as written) and its value. */
  record Sample(String name, String labels, double value) {}

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return get("127.0.0.1", port, path);
  }

  static HttpResponse<String> get(String host, int port, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static PrometheusText scrape(int port) {
    return scrape("127.0.0.1", port);
  }

  /** The endpoint of a broker on {@code host} (multi-JVM brokers each have their own loopback address). */
  public static PrometheusText scrape(String host, int port) {
    try {
      HttpResponse<String> response = get(host, port, "/metrics");
      if (response.statusCode() != 200) {
        throw new AssertionError("/metrics answered " + response.statusCode() + ": " + response.body());
      }
      return parse(response.body());
    } catch (IOException e) {
      throw new AssertionError("/metrics could not be read", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String series = line.substring(0, space);
      int brace = series.indexOf('{');
      String name = brace < 0 ? series : series.substring(0, brace);
      String labels = brace < 0 ? "" : series.substring(brace);
      samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
    }
    return new PrometheusText(samples);
  }

  /** The sum of the samples named {@code name} whose labels include every {@code label="value"} given. */
  public double sum(String name, String... labels) {
    double sum = 0;
    for (Sample sample : samples) {
      if (sample.name().equals(name) && hasAll(sample.labels(), labels)) {
        sum += sample.value();
      }
    }
    return sum;
  }

  boolean has(String name) {
    return samples.stream().anyMatch(sample -> sample.name().equals(name));
  }

  private static boolean hasAll(String written, String[] labels) {
    for (String label : labels) {
      if (!written.contains(label)) {
        return false;
      }
    }
    return true;
  }
}
