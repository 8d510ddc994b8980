package io.skein.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A record's key, value or header value as the message browser shows it: JSON pretty-printed,
 * other UTF-8 text as it is, anything else as hex. Only the first {@link #SHOWN_BYTES} bytes are
 * shown, so one huge record does not make a huge page.
 */
final class Payloads {

  /** How the bytes are shown. */
  enum Format { NULL, JSON, TEXT, BINARY }

  /** {@code size} is the whole payload's; {@code truncated} if only its first bytes are shown. */
  record Payload(int size, Format format, String text, boolean truncated) {}

  static final int SHOWN_BYTES = 16 * 1024;
  private static final Payload NULL = new Payload(-1, Format.NULL, null, false);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Payloads() {}

  static Payload of(ByteBuffer bytes) {
    if (bytes == null) {
      return NULL;
    }
    int size = bytes.remaining();
    ByteBuffer shown = bytes.duplicate();
    boolean truncated = size > SHOWN_BYTES;
    if (truncated) {
      shown.limit(shown.position() + SHOWN_BYTES);
    }
    String text = utf8(shown);
    if (text == null) {
      return new Payload(size, Format.BINARY, hex(shown), truncated);
    }
    if (!truncated) {
      String json = prettyJson(text);
      if (json != null) {
        return new Payload(size, Format.JSON, json, false);
      }
    }
    return new Payload(size, Format.TEXT, text, truncated);
  }

  static Payload of(byte[] bytes) {
    return of(bytes == null ? null : ByteBuffer.wrap(bytes));
  }

  /** The bytes as text if they are UTF-8 without control characters other than white space; else null. */
  private static String utf8(ByteBuffer bytes) {
    CharBuffer chars;
    try {
      chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes.duplicate());
    } catch (CharacterCodingException e) {
      return null;
    }
    for (int i = 0; i < chars.length(); i++) {
      char c = chars.charAt(i);
      if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
        return null;
      }
    }
    return chars.toString();
  }

  /** The text pretty-printed if it is a JSON object or array; else null (a bare "42" is text). */
  private static String prettyJson(String text) {
    String trimmed = text.strip();
    if (!(trimmed.startsWith("{") || trimmed.startsWith("["))) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(trimmed);
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (java.io.IOException notJson) {
      return null;
    }
  }

  /** Bytes as hex pairs, a space between each. */
  private static String hex(ByteBuffer bytes) {
    StringBuilder out = new StringBuilder(bytes.remaining() * 3);
    for (int i = bytes.position(); i < bytes.limit(); i++) {
      int b = bytes.get(i) & 0xff;
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(HEX[b >>> 4]).append(HEX[b & 0xf]);
    }
    return out.toString();
  }
}
