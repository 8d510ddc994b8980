package io.skein.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.Locale;
import java.util.Set;

/**
 * {@code skein.security.authorizer}, {@code super-users} and
 * {@code allow-everyone-if-no-acl-found}: whether requests are checked against the cluster's
 * ACLs, who is allowed everything, and what a resource without ACLs allows (Kafka's settings of
 * the same names).
 *
 * @param aclsEnabled {@code authorizer = acl}; with {@code none} everything is allowed and the
 *     ACL APIs answer SECURITY_DISABLED, as Kafka without an authorizer
 * @param superUsers principals such as {@code User:admin}
 */
public record AuthorizerSettings(boolean aclsEnabled, Set<String> superUsers, boolean allowEveryoneIfNoAclFound) {

  private static final String SECTION = "skein.security.";

  public static final AuthorizerSettings NONE = new AuthorizerSettings(false, Set.of(), false);

  public AuthorizerSettings {
    superUsers = Set.copyOf(superUsers);
    for (String user : superUsers) {
      if (user.indexOf(':') <= 0) {
        throw new ConfigException.BadValue(SECTION + "super-users",
            "\"" + user + "\" is not a principal: write it as User:name");
      }
    }
  }

  public static AuthorizerSettings from(Config root) {
    String authorizer = root.getString(SECTION + "authorizer");
    boolean acls = switch (authorizer.trim().toLowerCase(Locale.ROOT)) {
      case "none" -> false;
      case "acl" -> true;
      default -> throw new ConfigException.BadValue(SECTION + "authorizer",
          "must be none or acl, not \"" + authorizer + "\"");
    };
    return new AuthorizerSettings(acls, Set.copyOf(root.getStringList(SECTION + "super-users")),
        root.getBoolean(SECTION + "allow-everyone-if-no-acl-found"));
  }

  /** For the start-up log. */
  public String describe() {
    if (!aclsEnabled) {
      return "authorizer none (every request allowed)";
    }
    return "authorizer acl, super users " + superUsers.stream().sorted().toList()
        + ", allow everyone if no ACL found: " + allowEveryoneIfNoAclFound;
  }
}
