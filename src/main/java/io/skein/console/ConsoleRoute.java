package io.skein.console;

import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.getFromResource;
import static akka.http.javadsl.server.Directives.getFromResourceDirectory;
import static akka.http.javadsl.server.Directives.pathEnd;
import static akka.http.javadsl.server.Directives.pathPrefix;
import static akka.http.javadsl.server.Directives.pathSingleSlash;
import static akka.http.javadsl.server.Directives.redirect;

import akka.actor.ExtendedActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import akka.management.javadsl.ManagementRouteProvider;
import akka.management.javadsl.ManagementRouteProviderSettings;
import io.skein.security.UserCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Properties;

/**
 * The web console at {@code /console} on the Akka Management endpoint: the page and its
 * modules from {@code console/} in the jar, uPlot from its webjar, and the JSON API under
 * {@code /console/api}. Akka Management loads it by class name (akka.management.http.routes).
 */
public final class ConsoleRoute implements ManagementRouteProvider {

  private static final String UPLOT_PROPERTIES = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

  private final ConsoleApi api;
  private final String uplotDirectory;

  public ConsoleRoute(ExtendedActorSystem system) {
    Optional<UserCredentials> users = system.settings().setup().get(ConsoleSetup.class)
        .flatMap(ConsoleSetup::users);
    this.api = new ConsoleApi(ConsoleBroker.get(Adapter.toTyped(system)),
        ConsoleLogin.from(users, system.settings().config()));
    this.uplotDirectory = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist";
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return pathPrefix("console", () -> concat(
        pathEnd(() -> redirect(akka.http.javadsl.model.Uri.create("/console/"), StatusCodes.FOUND)),
        pathPrefix("api", api::route),
        get(() -> concat(
            pathSingleSlash(() -> getFromResource("console/index.html")),
            pathPrefix("vendor", () -> pathPrefix("uplot", () -> getFromResourceDirectory(uplotDirectory))),
            getFromResourceDirectory("console")))));
  }

  /** The uPlot webjar's version, which names its directory: from the jar, so a version bump needs no edit here. */
  private static String uplotVersion() {
    try (InputStream in = ConsoleRoute.class.getClassLoader().getResourceAsStream(UPLOT_PROPERTIES)) {
      if (in == null) {
        throw new IllegalStateException("the uPlot webjar is not on the class path (" + UPLOT_PROPERTIES + ")");
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
