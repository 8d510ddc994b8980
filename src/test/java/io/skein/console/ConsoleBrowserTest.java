package io.skein.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.skein.broker.Caller;
import io.skein.group.GroupCoordinator;
import io.skein.server.TestBroker;
import io.skein.testing.FreePorts;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in headless Chromium against a real broker: every page loads, a topic is
 * created through the form, messages the test produced are browsed (and tailed), a group's lag
 * is read, and a chart opened again starts with the broker's history. A screenshot of each page
 * is kept under target/console-screenshots/. Skips
 * (assumption) where Debian's chromium or chromium-driver is not installed.
 */
class ConsoleBrowserTest {

  private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private static TestBroker broker;
  private static Chromium chromium;
  private static ChromeDriver browser;
  private static String console;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Chromium.installed(), "needs Debian's chromium and chromium-driver");
    int port = FreePorts.on("127.0.0.1");
    broker = TestBroker.start(Map.of("skein.management.enabled", true, "akka.management.http.hostname", "127.0.0.1",
        "akka.management.http.port", port, "skein.metrics.history.interval", "1s"));
    console = "http://127.0.0.1:" + port + "/console/";
    chromium = Chromium.start();
    browser = chromium.browser();
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stop() {
    if (chromium != null) {
      chromium.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static WebDriverWait waiting() {
    return new WebDriverWait(browser, PATIENCE);
  }

  private static void open(String route) {
    browser.get(console + route);
  }

  private static List<WebElement> awaitRows(String css, int atLeast) {
    waiting().until(driver -> driver.findElements(By.cssSelector(css)).size() >= atLeast);
    return browser.findElements(By.cssSelector(css));
  }

  private static void screenshot(String page) throws Exception {
    File shot = browser.getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SCREENSHOTS.resolve(page + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  private static void assertNoError() {
    assertFalse(browser.findElement(By.id("error")).isDisplayed(),
        () -> "the page shows an error: " + browser.findElement(By.id("error")).getText());
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static void produce(String topic, int partition, List<SimpleRecord> records) throws Exception {
    broker.node().broker().partitions().produce(Caller.BROKER, topic, partition, -1, 0, CompressionType.NONE, records)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void produceQuietly(String topic, int partition) {
    try {
      produce(topic, partition, List.of(new SimpleRecord(0L, null, utf8("tick"))));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** How many points a page's chart has plotted. */
  private static int chartPoints(org.openqa.selenium.WebDriver driver, String chartId) {
    String points = driver.findElement(By.id(chartId)).getDomAttribute("data-points");
    return points == null ? 0 : Integer.parseInt(points);
  }

  @Test
  void everyPageWorksAgainstARealBroker() throws Exception {
    open("#/cluster");
    List<WebElement> brokers = awaitRows(".broker-row", 1);
    assertTrue(brokers.get(0).getText().contains("controller"), brokers.get(0).getText());
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("cluster-cards"), "healthy"));
    assertNoError();
    screenshot("cluster");

    open("#/topics");
    WebElement form = waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("create-topic")));
    form.findElement(By.name("name")).sendKeys("browser-orders");
    form.findElement(By.name("partitions")).sendKeys("2");
    form.findElement(By.name("configs")).sendKeys("retention.ms=86400000");
    form.findElement(By.cssSelector("button[type=submit]")).click();
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("create-result"), "Created"));
    awaitRows(".topic-row[data-topic='browser-orders']", 1);
    assertEquals("86400000", broker.node().broker().topics().topic("browser-orders").toCompletableFuture()
        .get(10, TimeUnit.SECONDS).configs().get("retention.ms"));

    List<SimpleRecord> records = new ArrayList<>();
    Header[] headers = {new RecordHeader("source", utf8("browser-test"))};
    for (int i = 0; i < 5; i++) {
      records.add(new SimpleRecord(0L, utf8("order-" + i), utf8("{\"order\":" + i + ",\"total\":12.5}"), headers));
    }
    records.add(new SimpleRecord(0L, utf8("blob"), new byte[] {(byte) 0xca, (byte) 0xfe, 0, 1}, new Header[0]));
    produce("browser-orders", 0, records);
    produce("browser-orders", 1, List.of(new SimpleRecord(0L, null, utf8("hello"))));
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector(".topic-row[data-topic='browser-orders']"), "7"));
    assertNoError();
    screenshot("topics");

    open("#/topics/browser-orders");
    awaitRows(".partition-row", 2);
    // Polled pages redraw their tables, so each look finds the row again.
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".partition-row"), "6"));
    assertTrue(browser.findElement(By.cssSelector("#throughput .uplot canvas")).isDisplayed());
    // A record per look, so the chart shows traffic: it plots a rate between successive polls.
    waiting().until(driver -> {
      produceQuietly("browser-orders", 1);
      return chartPoints(driver, "throughput") >= 3;
    });
    awaitRows(".config-row[data-config='retention.ms']", 1);
    assertNoError();
    screenshot("topic");
    // Opened again, the chart starts with the broker's history (a sample a second here), not empty.
    open("#/topics");
    open("#/topics/browser-orders");
    waiting().until(driver -> driver.findElement(By.id("throughput")).getDomAttribute("data-history") != null);
    int history = Integer.parseInt(browser.findElement(By.id("throughput")).getDomAttribute("data-history"));
    assertTrue(history >= 2, "the chart opened with " + history + " points of history");
    assertTrue(chartPoints(browser, "throughput") >= history);

    open("#/topics/browser-orders/messages?partition=0&offset=0");
    List<WebElement> messages = awaitRows(".message-row", 6);
    assertEquals(6, messages.size());
    String json = messages.get(0).findElement(By.cssSelector("pre.json")).getText();
    assertTrue(json.contains("\"order\" : 0") && json.contains("\n"), "pretty-printed JSON: " + json);
    assertTrue(messages.get(0).getText().contains("browser-test"), "the header: " + messages.get(0).getText());
    assertEquals("ca fe 00 01", messages.get(5).findElement(By.cssSelector("pre.binary")).getText());
    assertNoError();
    screenshot("messages");

    browser.findElement(By.id("tail")).click();
    produce("browser-orders", 0, List.of(new SimpleRecord(0L, utf8("late"), utf8("{\"order\":99}"))));
    awaitRows(".message-row[data-offset='6']", 1);

    broker.node().broker().groups().commitOffsets(Caller.BROKER, "browser-readers", "", -1,
        List.of(new GroupCoordinator.OffsetToCommit("browser-orders", 0, 2, ""))).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    open("#/groups");
    awaitRows(".group-row[data-group='browser-readers']", 1);
    assertNoError();
    screenshot("groups");

    open("#/groups/browser-readers");
    waiting().until(ExpectedConditions.textToBe(By.id("total-lag"), "5"));
    waiting().until(ExpectedConditions.textToBe(By.cssSelector(".lag-row[data-partition='browser-orders-0'] .lag"), "5"));
    waiting().until(driver -> chartPoints(driver, "lag-chart") >= 3);
    assertNoError();
    screenshot("group");
  }
}
