package io.skein.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import com.typesafe.config.ConfigFactory;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Events and snapshots the Controller journaled before its nouns moved to metadata/ still
 * read: the bytes below were written when Topic and Assignment were records nested in the
 * Controller. Jackson names only the outer event class (the manifest), so these keep theirs.
 */
class ControllerJournalTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString(
          "akka.actor.serialization-bindings { \"io.skein.common.CborSerializable\" = jackson-cbor }")
      .withFallback(ConfigFactory.load()));

  private static final int JACKSON_CBOR = 33;

  private static final Topic ORDERS = new Topic("orders", "id-1",
      List.of(new ReplicaAssignment(List.of(1, 2), 1, 3, List.of(1, 2)),
          new ReplicaAssignment(List.of(2, 1), 2, 0, List.of(2))),
      Map.of("retention.ms", "1000"));

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void readsATopicCreatedJournaledBeforeTheMove() {
    assertEquals(new Controller.TopicCreated(ORDERS), read("io.skein.cluster.Controller$TopicCreated",
        "v2V0b3BpY79kbmFtZWZvcmRlcnNndG9waWNJZGRpZC0xanBhcnRpdGlvbnOCv2hyZXBsaWNhc4IBAmZsZWFkZXIBa2xlYWRlckVwb2NoA2"
            + "Npc3KCAQL/v2hyZXBsaWNhc4ICAWZsZWFkZXICa2xlYWRlckVwb2NoAGNpc3KBAv9nY29uZmlnc79scmV0ZW50aW9uLm1zZDEwMDD///8="));
  }

  @Test
  void readsLeadersElectedJournaledBeforeTheMove() {
    assertEquals(
        new Controller.LeadersElected(List.of(new Controller.PartitionAssignment("orders", 1,
            new ReplicaAssignment(List.of(2, 1), 1, 4, List.of(1))))),
        read("io.skein.cluster.Controller$LeadersElected",
            "v2djaGFuZ2Vzgb9ldG9waWNmb3JkZXJzaXBhcnRpdGlvbgFqYXNzaWdubWVudL9ocmVwbGljYXOCAgFmbGVhZGVyAWtsZWFkZXJFcG"
                + "9jaARjaXNygQH///8="));
  }

  @Test
  void readsASnapshotTakenBeforeTheMoveAndBeforeProducerIds() {
    assertEquals(new Controller.State(Map.of("orders", ORDERS), "cluster-1", 0), read("io.skein.cluster.Controller$State",
        "v2Z0b3BpY3O/Zm9yZGVyc79kbmFtZWZvcmRlcnNndG9waWNJZGRpZC0xanBhcnRpdGlvbnOCv2hyZXBsaWNhc4IBAmZsZWFkZXIBa2xlYWR"
            + "lckVwb2NoA2Npc3KCAQL/v2hyZXBsaWNhc4ICAWZsZWFkZXICa2xlYWRlckVwb2NoAGNpc3KBAv9nY29uZmlnc79scmV0ZW50aW9uLm"
            + "1zZDEwMDD///9pY2x1c3RlcklkaWNsdXN0ZXItMf8="));
  }

  @Test
  void aBrokersLeavingAnnouncementCrossesTheNetwork() {
    Controller.BrokerLeaving leaving =
        new Controller.BrokerLeaving(new akka.actor.Address("akka", "skein", "127.0.0.12", 25520), 42L);
    testKit.serializationTestKit().verifySerialization(leaving, true);
  }

  private static Object read(String manifest, String base64) {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    return serialization.deserialize(Base64.getDecoder().decode(base64), JACKSON_CBOR, manifest).get();
  }
}
