package io.skein.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * k8s/monitoring parses (the PrometheusRule, the Grafana dashboard and the kustomization that
 * lists them), has the alerts issue 17 asks for, and uses only skein_* series that README's
 * "Observability" documents.
 */
class MonitoringManifestsTest {

  private static final Path MONITORING = Path.of("k8s", "monitoring");
  private static final Pattern SKEIN_SERIES = Pattern.compile("skein_[a-z_]+");
  /** Suffixes Prometheus adds to a histogram's or timer's series. */
  private static final Pattern HISTOGRAM_SUFFIX = Pattern.compile("_(bucket|count|sum|max)$");

  private static Set<String> documented() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    Set<String> names = new HashSet<>();
    Matcher m = SKEIN_SERIES.matcher(readme.substring(readme.indexOf("## Observability")));
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  private static void assertDocumented(String expr, Set<String> documented) {
    Matcher m = SKEIN_SERIES.matcher(expr);
    while (m.find()) {
      String series = m.group();
      String base = HISTOGRAM_SUFFIX.matcher(series).replaceFirst("");
      assertTrue(documented.contains(series) || documented.contains(base),
          series + " in " + expr + " is not in README's Observability section");
    }
  }

  @Test
  void theAlertsParseAndUseDocumentedSeries() throws IOException {
    JsonNode rule = new YAMLMapper().readTree(MONITORING.resolve("prometheusrule.yaml").toFile());
    assertEquals("PrometheusRule", rule.get("kind").asText());
    Set<String> documented = documented();
    List<String> alerts = new ArrayList<>();
    for (JsonNode group : rule.at("/spec/groups")) {
      for (JsonNode alert : group.get("rules")) {
        alerts.add(alert.get("alert").asText());
        assertFalse(alert.get("expr").asText().isBlank());
        assertDocumented(alert.get("expr").asText(), documented);
      }
    }
    assertTrue(alerts.containsAll(List.of("SkeinUnderReplicatedPartitions", "SkeinOfflinePartitions",
        "SkeinNoController", "SkeinConsumerLagGrowing", "SkeinDiskNearlyFull")), alerts.toString());
  }

  @Test
  void theDashboardParsesAndUsesDocumentedSeries() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(MONITORING.resolve("grafana-dashboard.json").toFile());
    Set<String> documented = documented();
    Set<String> used = new HashSet<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        String expr = target.get("expr").asText();
        assertDocumented(expr, documented);
        Matcher m = SKEIN_SERIES.matcher(expr);
        while (m.find()) {
          used.add(m.group());
        }
      }
    }
    assertTrue(used.containsAll(List.of("skein_request_duration_seconds_bucket", "skein_topic_records_in_total",
        "skein_partitions_under_replicated", "skein_group_lag_records")), "throughput, latency, replication, lag");
  }

  @Test
  void theKustomizationListsBoth() throws IOException {
    JsonNode kustomization = new YAMLMapper().readTree(MONITORING.resolve("kustomization.yaml").toFile());
    assertEquals("prometheusrule.yaml", kustomization.at("/resources/0").asText());
    assertEquals("grafana-dashboard.json", kustomization.at("/configMapGenerator/0/files/0").asText());
  }
}
