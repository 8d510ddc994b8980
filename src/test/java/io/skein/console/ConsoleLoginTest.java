package io.skein.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.skein.server.TestBroker;
import io.skein.testing.FreePorts;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console of a broker whose clients authenticate (gRPC Basic): its API needs a login with
 * a user of the cluster, a session cookie, and logout ends it; /metrics and the health checks
 * stay open; in a browser the console asks for the login and then shows the page asked for.
 */
class ConsoleLoginTest {

  private static TestBroker broker;
  private static int port;
  private static ConsoleHttp http;

  @BeforeAll
  static void start() throws Exception {
    port = FreePorts.on("127.0.0.1");
    broker = TestBroker.start(Map.of("skein.management.enabled", true, "akka.management.http.hostname", "127.0.0.1",
        "akka.management.http.port", port, "skein.grpc.authentication", "basic",
        "skein.security.sasl.users.alice", "alice-secret"));
    http = new ConsoleHttp(port);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static String login(String user, String password) {
    ConsoleHttp.Answer answer = http.post("/console/api/login",
        "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}");
    assertEquals(200, answer.status(), answer.body());
    String setCookie = answer.headers().firstValue("Set-Cookie").orElseThrow();
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  @Test
  void theApiNeedsASessionOfAUserAndLogoutEndsIt() {
    ConsoleHttp.Answer anonymous = http.get("/console/api/cluster");
    assertEquals(401, anonymous.status(), anonymous.body());
    assertEquals("UNAUTHENTICATED", anonymous.json().get("error").asText());
    assertEquals(401, http.get("/console/api/topics").status());
    assertEquals(401, http.withCookie(ConsoleLogin.COOKIE + "=made-up").get("/console/api/cluster").status());

    ConsoleHttp.Answer wrong = http.post("/console/api/login", "{\"user\":\"alice\",\"password\":\"guess\"}");
    assertEquals(401, wrong.status(), wrong.body());
    assertEquals("SASL_AUTHENTICATION_FAILED", wrong.json().get("error").asText());
    assertTrue(wrong.headers().firstValue("Set-Cookie").isEmpty(), "no session for a wrong password");
    assertEquals(401, http.post("/console/api/login", "{\"user\":\"mallory\",\"password\":\"x\"}").status());
    assertEquals(400, http.post("/console/api/login", "{\"user\":\"alice\"}").status());

    ConsoleHttp.Answer answer = http.post("/console/api/login", "{\"user\":\"alice\",\"password\":\"alice-secret\"}");
    assertEquals(200, answer.status(), answer.body());
    String setCookie = answer.headers().firstValue("Set-Cookie").orElseThrow().toLowerCase(Locale.ROOT);
    assertTrue(setCookie.contains("httponly") && setCookie.contains("samesite=strict")
        && setCookie.contains("path=/console") && !setCookie.contains("secure"), setCookie);
    String cookie = login("alice", "alice-secret");
    assertNotEquals(setCookie.substring(0, setCookie.indexOf(';')), cookie.toLowerCase(Locale.ROOT),
        "each login its own random session");

    ConsoleHttp session = http.withCookie(cookie);
    ConsoleHttp.Answer cluster = session.get("/console/api/cluster");
    assertEquals(200, cluster.status(), cluster.body());
    ConsoleHttp.Answer who = session.get("/console/api/session");
    assertEquals("alice", who.json().get("user").asText(), who.body());
    assertTrue(who.json().get("authentication").asBoolean());

    ConsoleHttp.Answer logout = session.post("/console/api/logout", "");
    assertEquals(200, logout.status(), logout.body());
    assertTrue(logout.headers().firstValue("Set-Cookie").orElseThrow().toLowerCase(Locale.ROOT).contains("max-age=0"));
    assertEquals(401, session.get("/console/api/cluster").status(), "the session ended with the logout");
  }

  @Test
  void metricsHealthChecksAndTheAppItselfStayOpen() {
    assertEquals(200, http.get("/metrics").status());
    assertEquals(200, http.get("/alive").status());
    assertEquals(200, http.get("/console/").status(), "the page, which asks for the login");
    assertEquals(200, http.get("/console/app.js").status());
  }

  @Test
  void theBrowserAsksForTheLoginThenShowsThePage() throws Exception {
    assumeTrue(Chromium.installed(), "needs Debian's chromium and chromium-driver");
    try (Chromium chromium = Chromium.start()) {
      ChromeDriver browser = chromium.browser();
      WebDriverWait waiting = new WebDriverWait(browser, Duration.ofSeconds(30));
      browser.get("http://127.0.0.1:" + port + "/console/#/topics");
      WebElement form = waiting.until(ExpectedConditions.presenceOfElementLocated(By.id("login")));
      form.findElement(By.name("user")).sendKeys("alice");
      form.findElement(By.name("password")).sendKeys("wrong");
      form.findElement(By.cssSelector("button[type=submit]")).click();
      waiting.until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-result"),
          "SASL_AUTHENTICATION_FAILED"));

      form = browser.findElement(By.id("login"));
      form.findElement(By.name("password")).clear();
      form.findElement(By.name("password")).sendKeys("alice-secret");
      form.findElement(By.cssSelector("button[type=submit]")).click();
      waiting.until(ExpectedConditions.presenceOfElementLocated(By.id("create-topic")));
      waiting.until(ExpectedConditions.textToBePresentInElementLocated(By.id("session"), "alice"));
      assertFalse(browser.findElement(By.id("error")).isDisplayed(), browser.findElement(By.id("error")).getText());

      browser.findElement(By.id("logout")).click();
      waiting.until(ExpectedConditions.presenceOfElementLocated(By.id("login")));
      browser.get("http://127.0.0.1:" + port + "/console/#/cluster");
      waiting.until(ExpectedConditions.presenceOfElementLocated(By.id("login")));
    }
  }
}
