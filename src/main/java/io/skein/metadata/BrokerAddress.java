package io.skein.metadata;

import io.skein.common.CborSerializable;

/** A broker: its id, the endpoint where clients reach it, and its rack ("" if none). */
public record BrokerAddress(int id, String host, int port, String rack) implements CborSerializable {}
