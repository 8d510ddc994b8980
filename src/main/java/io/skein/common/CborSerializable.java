package io.skein.common;

/**
 * Marks actor messages, events and state that Akka serializes with Jackson CBOR (bound in
 * skein-defaults.conf). Record bytes never go through Jackson.
 */
public interface CborSerializable {}
