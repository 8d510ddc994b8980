package io.skein.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.Address;
import akka.cluster.UniqueAddress;
import com.typesafe.config.ConfigFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CrashProbeTest {

  private static UniqueAddress node(int n) {
    return new UniqueAddress(new Address("akka", "skein", "127.0.0.1", 25520 + n), n);
  }

  @Test
  void eachMemberProbesTheNextOnesInAddressOrderSoEveryMemberIsProbedAsOften() {
    List<UniqueAddress> five = List.of(node(3), node(1), node(5), node(2), node(4));
    assertEquals(List.of(node(2), node(3)), CrashProbe.targets(five, node(1), 2));
    assertEquals(List.of(node(5), node(1)), CrashProbe.targets(five, node(4), 2), "wraps round");
    assertEquals(List.of(node(1), node(2)), CrashProbe.targets(five, node(5), 2));
    assertEquals(List.of(node(2), node(3)), CrashProbe.targets(List.of(node(1), node(2), node(3)), node(1), 5),
        "never itself, never twice");
    assertEquals(List.of(), CrashProbe.targets(List.of(node(1)), node(1), 2));
  }

  @Test
  void membersAreDownedOnlyWhileTheRestStayAMajority() {
    List<UniqueAddress> three = List.of(node(1), node(2), node(3));
    assertTrue(CrashProbe.leavesMajority(three, Set.of(node(3)), Set.of()));
    assertFalse(CrashProbe.leavesMajority(three, Set.of(node(3)), Set.of(node(2))),
        "the other one is suspected too: this node alone is no majority");
    assertFalse(CrashProbe.leavesMajority(three, Set.of(node(2), node(3)), Set.of()),
        "both others killed at once: this node alone is no majority");
    assertFalse(CrashProbe.leavesMajority(List.of(node(1), node(2)), Set.of(node(2)), Set.of()));
    List<UniqueAddress> five = List.of(node(1), node(2), node(3), node(4), node(5));
    assertTrue(CrashProbe.leavesMajority(five, Set.of(node(4), node(5)), Set.of()));
    assertFalse(CrashProbe.leavesMajority(five, Set.of(node(4), node(5)), Set.of(node(3))));
  }

  @Test
  void onlyAPortWithNothingBehindItRefuses() throws Exception {
    Duration timeout = Duration.ofSeconds(1);
    int closedPort;
    try (ServerSocket open = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Address listening = new Address("akka", "skein", "127.0.0.1", open.getLocalPort());
      assertFalse(CrashProbe.refuses(listening, timeout), "a process listens: even a frozen one's kernel accepts");
      closedPort = open.getLocalPort();
    }
    assertTrue(CrashProbe.refuses(new Address("akka", "skein", "127.0.0.1", closedPort), timeout));
    assertFalse(CrashProbe.refuses(new Address("akka", "skein"), timeout), "a local address has no port to probe");
  }

  @Test
  void settingsAreChecked() {
    CrashProbe.Settings defaults = CrashProbe.Settings.from(ConfigFactory.load("skein-defaults"));
    assertEquals(new CrashProbe.Settings(true, Duration.ofMillis(250), Duration.ofSeconds(1), 2), defaults);
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> CrashProbe.Settings.from(
        ConfigFactory.parseString("skein.cluster.crash-probe.interval = 0s")
            .withFallback(ConfigFactory.load("skein-defaults"))));
    assertTrue(bad.getMessage().contains("skein.cluster.crash-probe"), bad.getMessage());
  }
}
