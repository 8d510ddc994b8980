package io.skein.security.quota;

/**
 * What a quota is set on, as Kafka's {@code ClientQuotaEntity}: a user, a client id, or both; a
 * part that is absent is {@code null}, and a part naming {@link Name#DEFAULT} is the default for
 * every user (or client id) that has no quota of its own.
 */
public record QuotaEntity(Name user, Name clientId) {

  public QuotaEntity {
    if (user == null && clientId == null) {
      throw new IllegalArgumentException("a quota entity names a user, a client id or both");
    }
  }

  /** One part of an entity; a {@code null} value is Kafka's {@code <default>}. */
  public record Name(String value) {
    public static final Name DEFAULT = new Name(null);

    public static Name of(String value) {
      return new Name(value);
    }

    public boolean isDefault() {
      return value == null;
    }

    @Override
    public String toString() {
      return value == null ? "<default>" : value;
    }
  }

  public static QuotaEntity user(Name user) {
    return new QuotaEntity(user, null);
  }

  public static QuotaEntity clientId(Name clientId) {
    return new QuotaEntity(null, clientId);
  }

  public static QuotaEntity userAndClientId(Name user, Name clientId) {
    return new QuotaEntity(user, clientId);
  }

  @Override
  public String toString() {
    if (user == null) {
      return "client-id=" + clientId;
    }
    return clientId == null ? "user=" + user : "user=" + user + ",client-id=" + clientId;
  }
}
