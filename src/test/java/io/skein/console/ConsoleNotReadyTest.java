package io.skein.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.management.javadsl.AkkaManagement;
import com.typesafe.config.ConfigFactory;
import io.skein.testing.FreePorts;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Before the broker serves (the management endpoint starts first), the API answers 503 and the page still loads. */
class ConsoleNotReadyTest {

  private static ActorSystem<Void> system;
  private static ConsoleHttp http;

  @BeforeAll
  static void start() throws Exception {
    int port = FreePorts.on("127.0.0.1");
    system = ActorSystem.create(Behaviors.empty(), "console-not-ready", ConfigFactory.parseString("""
        akka.management.http.hostname = "127.0.0.1"
        akka.management.http.port = %d
        akka.management.http.routes { cluster-management = "", skein-console = "io.skein.console.ConsoleRoute" }
        """.formatted(port)).withFallback(ConfigFactory.load()));
    AkkaManagement.get(system.classicSystem()).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    http = new ConsoleHttp(port);
  }

  @AfterAll
  static void stop() {
    if (system != null) {
      system.terminate();
    }
  }

  @Test
  void answers503UntilTheBrokerServes() {
    ConsoleHttp.Answer cluster = http.get("/console/api/cluster");
    assertEquals(503, cluster.status(), cluster.body());
    assertEquals("LEADER_NOT_AVAILABLE", cluster.json().get("error").asText());
    assertEquals(200, http.get("/console/").status());
  }
}
