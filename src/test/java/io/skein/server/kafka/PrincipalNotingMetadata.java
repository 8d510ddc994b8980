package io.skein.server.kafka;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/** Answers Metadata with no brokers and no topics, noting who asked: what a listener test serves. */
final class PrincipalNotingMetadata implements KafkaApiHandler<MetadataRequestData, MetadataResponseData> {

  private final Queue<KafkaPrincipal> principals;

  PrincipalNotingMetadata(Queue<KafkaPrincipal> principals) {
    this.principals = principals;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.METADATA;
  }

  @Override
  public short maxVersion() {
    return 12;
  }

  @Override
  public CompletionStage<MetadataResponseData> handle(KafkaRequestContext context, MetadataRequestData request) {
    principals.add(context.principal());
    return CompletableFuture.completedFuture(new MetadataResponseData());
  }
}
