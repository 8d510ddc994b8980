package io.skein.server.kafka;

import akka.actor.typed.ActorSystem;
import io.skein.broker.Broker;
import java.util.List;

/** Topic, config, cluster, SCRAM user, client quota and ACL administration. */
final class AdminApis {

  private AdminApis() {}

  static List<KafkaApiHandler<?, ?>> handlers(ActorSystem<?> system, Broker broker) {
    return List.of(
        new CreateTopicsHandler(broker),
        new DeleteTopicsHandler(broker),
        new CreatePartitionsHandler(broker),
        new DescribeConfigsHandler(broker),
        new AlterConfigsHandler(broker),
        new IncrementalAlterConfigsHandler(broker),
        new DescribeClusterHandler(system, broker),
        new DescribeTopicPartitionsHandler(broker),
        new ElectLeadersHandler(broker),
        new DeleteRecordsHandler(broker),
        new DescribeUserScramCredentialsHandler(broker),
        new AlterUserScramCredentialsHandler(broker),
        new DescribeClientQuotasHandler(broker),
        new AlterClientQuotasHandler(broker),
        new DescribeAclsHandler(broker),
        new CreateAclsHandler(broker),
        new DeleteAclsHandler(broker));
  }
}
