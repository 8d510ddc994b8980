package io.skein.console;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.optionalCookie;
import static akka.http.javadsl.server.Directives.setCookie;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.HttpCookie;
import akka.http.javadsl.model.headers.HttpCookiePair;
import akka.http.javadsl.model.headers.SameSite;
import akka.http.javadsl.server.Route;
import com.typesafe.config.Config;
import io.skein.security.Principal;
import io.skein.security.UserCredentials;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Who uses the console: when the client listeners authenticate with passwords, the same users
 * log in (checked by {@link UserCredentials}, as gRPC Basic is) and get a session cookie
 * (random, HttpOnly, SameSite=Strict) for a session the broker ends after an idle time; the API
 * answers 401 without one. When the listeners do not authenticate, everyone is {@link Principal#ANONYMOUS}.
 */
final class ConsoleLogin {

  static final String COOKIE = "skein-console";
  private static final String COOKIE_PATH = "/console";

  /** The users who may log in and their sessions. */
  private record Logins(UserCredentials users, ConsoleSessions sessions) {}

  /** Empty: nobody needs to log in. */
  private final Optional<Logins> logins;
  /** The endpoint serves HTTPS only, so the browser must never send the session's cookie over plain HTTP. */
  private final boolean secureCookie;

  private ConsoleLogin(Optional<Logins> logins, boolean secureCookie) {
    this.logins = logins;
    this.secureCookie = secureCookie;
  }

  /**
   * {@code users}, if the listeners authenticate with passwords; sessions as {@code
   * skein.console.session} says; a Secure cookie when the endpoint is HTTPS ({@code skein.management.tls}).
   */
  static ConsoleLogin from(Optional<UserCredentials> users, Config config) {
    // Read only with logins: without them there is no cookie (and a bare console needs no skein config).
    return new ConsoleLogin(users.map(credentials -> new Logins(credentials,
        new ConsoleSessions(config.getDuration("skein.console.session.idle-timeout"),
            config.getInt("skein.console.session.max-sessions"), System::nanoTime))),
        users.isPresent() && config.getBoolean("skein.management.tls"));
  }

  /** Whether the console asks for a login. */
  boolean required() {
    return logins.isPresent();
  }

  /** {@code inner} with the request's user, or a 401 if a login is needed and the request has no live session. */
  Route authenticated(Function<Principal, Route> inner) {
    if (logins.isEmpty()) {
      return inner.apply(Principal.ANONYMOUS);
    }
    ConsoleSessions sessions = logins.get().sessions();
    return optionalCookie(COOKIE, cookie -> cookie.map(HttpCookiePair::value).flatMap(sessions::principal)
        .map(inner)
        .orElseGet(() -> complete(ConsoleErrors.response(StatusCodes.UNAUTHORIZED, "UNAUTHENTICATED",
            "log in first: POST /console/api/login with {\"user\": ..., \"password\": ...}"))));
  }

  /** Logs {@code user} in: {@code inner} with the session's cookie set, or a 401 for a wrong user or password. */
  Route login(String user, String password, Function<Principal, Route> inner) {
    if (logins.isEmpty()) {
      return inner.apply(Principal.ANONYMOUS);
    }
    Optional<Principal> principal = logins.get().users().check(user, password);
    if (principal.isEmpty()) {
      return complete(ConsoleErrors.response(StatusCodes.UNAUTHORIZED, "SASL_AUTHENTICATION_FAILED",
          "wrong user name or password"));
    }
    String token = logins.get().sessions().start(principal.get());
    // No Max-Age: the cookie lasts as long as the browser session; the broker ends idle sessions.
    return setCookie(cookie(token), () -> inner.apply(principal.get()));
  }

  /** Ends the request's session, if it has one, and clears its cookie. */
  Route logout(Supplier<Route> inner) {
    return optionalCookie(COOKIE, cookie -> {
      logins.ifPresent(known -> cookie.map(HttpCookiePair::value).ifPresent(known.sessions()::end));
      return setCookie(cookie("").withMaxAge(0), inner);
    });
  }

  private HttpCookie cookie(String value) {
    return HttpCookie.create(COOKIE, value).withPath(COOKIE_PATH).withHttpOnly(true).withSameSite(SameSite.Strict)
        .withSecure(secureCookie);
  }
}
