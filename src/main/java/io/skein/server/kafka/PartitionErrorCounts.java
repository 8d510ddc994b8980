package io.skein.server.kafka;

import io.skein.metrics.ApiMetrics;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Produce and Fetch answer a bad partition in the response, not by failing the request: their
 * per-partition error codes are counted as the request's errors, one per partition.
 */
final class PartitionErrorCounts {

  private PartitionErrorCounts() {}

  static void count(ApiMetrics meters, ApiMessage response) {
    if (response instanceof ProduceResponseData produce) {
      for (ProduceResponseData.TopicProduceResponse topic : produce.responses()) {
        for (ProduceResponseData.PartitionProduceResponse partition : topic.partitionResponses()) {
          countError(meters, partition.errorCode());
        }
      }
    } else if (response instanceof FetchResponseData fetch) {
      countError(meters, fetch.errorCode());
      for (FetchResponseData.FetchableTopicResponse topic : fetch.responses()) {
        for (FetchResponseData.PartitionData partition : topic.partitions()) {
          countError(meters, partition.errorCode());
        }
      }
    }
  }

  private static void countError(ApiMetrics meters, short code) {
    if (code != Errors.NONE.code()) {
      meters.failed(Errors.forCode(code).name());
    }
  }
}
