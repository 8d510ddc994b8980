package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** A response's throttle_time_ms is set through its own message class's setter, for every API kafka-clients has. */
class ThrottleTimesTest {

  @Test
  void setsTheThrottleTimeOfResponsesThatHaveOne() {
    ProduceResponseData produce = new ProduceResponseData();
    ThrottleTimes.set(ApiKeys.PRODUCE, produce, 1234);
    assertEquals(1234, produce.throttleTimeMs());
    FetchResponseData fetch = new FetchResponseData();
    ThrottleTimes.set(ApiKeys.FETCH, fetch, 56);
    assertEquals(56, fetch.throttleTimeMs());
  }

  @Test
  void leavesResponsesWithoutOneAlone() {
    SaslHandshakeResponseData handshake = new SaslHandshakeResponseData();
    ThrottleTimes.set(ApiKeys.SASL_HANDSHAKE, handshake, 99);
    assertEquals(new SaslHandshakeResponseData(), handshake);
  }
}
