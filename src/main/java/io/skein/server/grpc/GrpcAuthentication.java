package io.skein.server.grpc;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The credentials gRPC calls may authenticate with, {@code skein.grpc.authentication}: none,
 * basic, bearer, or a list of basic and bearer. Whichever is on, a verified client certificate
 * also authenticates.
 */
public enum GrpcAuthentication {
  /** {@code authorization: Basic base64(user:password)}, checked against the users. */
  BASIC,
  /** {@code authorization: Bearer <jwt>}, checked as OAUTHBEARER tokens are. */
  BEARER;

  private static final String KEY = "skein.grpc.authentication";

  /** The schemes on; empty: calls are not authenticated. */
  public static Set<GrpcAuthentication> from(Config root) {
    List<String> names = root.getValue(KEY).valueType() == ConfigValueType.LIST
        ? root.getStringList(KEY) : List.of(root.getString(KEY));
    EnumSet<GrpcAuthentication> schemes = EnumSet.noneOf(GrpcAuthentication.class);
    for (String name : names) {
      switch (name.trim().toLowerCase(Locale.ROOT)) {
        case "none" -> {
          if (names.size() > 1) {
            throw new ConfigException.BadValue(KEY, "none cannot be listed with other schemes");
          }
        }
        case "basic" -> schemes.add(BASIC);
        case "bearer" -> schemes.add(BEARER);
        default -> throw new ConfigException.BadValue(KEY,
            "must be none or basic or bearer, or a list of them ([basic, bearer]), not \"" + name + "\"");
      }
    }
    return schemes;
  }
}
