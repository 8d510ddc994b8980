// KafkaJS against a Skein broker: produces keyed records (plain and gzip, with headers), then
// reads them back in a consumer group and prints one line per record,
// "partition offset key value header", for KafkaJsTest to check.
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

const [bootstrap, topic, group, countArg] = process.argv.slice(2);
const count = Number(countArg);
const kafka = new Kafka({ clientId: 'skein-kafkajs-test', brokers: [bootstrap], logLevel: logLevel.WARN });

async function produce() {
  const producer = kafka.producer();
  await producer.connect();
  const half = Math.floor(count / 2);
  const records = (from, to) => Array.from({ length: to - from }, (_, i) => ({
    key: `key-${from + i}`,
    value: `value-${from + i}`,
    headers: { index: `${from + i}` },
  }));
  await producer.send({ topic, messages: records(0, half) });
  await producer.send({ topic, compression: CompressionTypes.GZIP, messages: records(half, count) });
  await producer.disconnect();
}

async function consume() {
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    consumer.run({
      autoCommitThreshold: 1,
      eachMessage: async ({ partition, message }) => {
        seen.push(`${partition} ${message.offset} ${message.key} ${message.value} ${message.headers.index}`);
        if (seen.length === count) {
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  seen.forEach((line) => console.log(line));
}

produce().then(consume).catch((error) => {
  console.error(error);
  process.exit(1);
});
