package io.skein.client;

/** A consumer's place in its group: the member id ("" before joining) and the newest generation it received (-1 before). */
public record ConsumerGroupMetadata(String groupId, String memberId, int generationId) {}
