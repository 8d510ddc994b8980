#!/usr/bin/env python3
"""A Skein client in Python that knows only the published .proto files.

Generates its gRPC code from src/main/proto with protoc and grpc_python_plugin (Debian:
protobuf-compiler, protobuf-compiler-grpc, python3-grpcio, python3-protobuf), then, against a
running broker: produces plain records (one partition, and several in one call), reads them
back by Fetch, FetchPartitions, Subscribe and CreditSubscribe. Exits non-zero at the first
check that fails.

    skein_client.py HOST:PORT PROTO_DIR TOPIC
"""
import atexit
import queue
import shutil
import subprocess
import sys
import tempfile

import grpc


def generate(proto_dir):
    out = tempfile.mkdtemp(prefix="skein-py-")
    atexit.register(shutil.rmtree, out, True)
    subprocess.run(
        ["protoc", "-I" + proto_dir, "--python_out=" + out, "--grpc_python_out=" + out,
         "--plugin=protoc-gen-grpc_python=" + shutil.which("grpc_python_plugin"),
         "skein/v1/skein.proto", "skein/v1/groups.proto"],
        check=True)
    sys.path.insert(0, out)


def check(condition, what):
    if not condition:
        sys.exit("FAILED: " + what)
    print("ok", what)


def values(records):
    return [(r.offset, r.key.decode() if r.HasField("key") else None, r.value.decode()) for r in records]


def main(target, proto_dir, topic):
    generate(proto_dir)
    from skein.v1 import skein_pb2 as pb
    from skein.v1 import skein_pb2_grpc as rpc

    channel = grpc.insecure_channel(target)
    grpc.channel_ready_future(channel).result(timeout=30)
    admin = rpc.AdminServiceStub(channel)
    producer = rpc.ProducerServiceStub(channel)
    consumer = rpc.ConsumerServiceStub(channel)

    admin.CreateTopic(pb.CreateTopicRequest(name=topic, partitions=3, replication_factor=1), timeout=30)

    # One partition, one call: plain records, a header, no batch format in sight.
    answer = producer.Produce(pb.ProduceRequest(
        topic=topic, partition=0, acks=-1, compression=pb.COMPRESSION_GZIP,
        plain_records=[pb.Record(key=b"k0", value=b"v0", headers=[pb.Header(key="source", value=b"python")]),
                       pb.Record(key=b"k1", value=b"v1")]), timeout=30)
    check(answer.base_offset == 0 and answer.last_offset == 1, "Produce stored two records at offsets 0 and 1")

    # Several partitions, one call: an answer per entry, in order.
    answers = producer.ProducePartitions(pb.ProducePartitionsRequest(partitions=[
        pb.ProduceRequest(topic=topic, partition=p, acks=-1, compression=pb.COMPRESSION_ZSTD,
                          plain_records=[pb.Record(value=("p%d-%d" % (p, i)).encode()) for i in range(3)])
        for p in (1, 2, 0)]), timeout=30).partitions
    check([a.partition for a in answers] == [1, 2, 0], "ProducePartitions answered in request order")
    check(all(a.error.code == pb.NONE for a in answers), "ProducePartitions stored every partition")
    check(answers[2].base_offset == 2, "partition 0 went on at offset 2")

    fetched = consumer.Fetch(pb.FetchRequest(topic=topic, partition=0, offset=1,
                                             format=pb.RECORD_FORMAT_PLAIN), timeout=30)
    check(values(fetched.plain_records) == [(1, "k1", "v1"), (2, None, "p0-0"), (3, None, "p0-1"), (4, None, "p0-2")],
          "Fetch read plain records from offset 1 on")

    fetched = consumer.FetchPartitions(pb.FetchPartitionsRequest(
        partitions=[pb.FetchRequest(topic=topic, partition=p) for p in (0, 1, 2)],
        format=pb.RECORD_FORMAT_PLAIN), timeout=30).partitions
    first = fetched[0].plain_records[0]
    check(first.headers[0].key == "source" and first.headers[0].value == b"python", "headers came back")
    check([len(f.plain_records) for f in fetched] == [5, 3, 3], "FetchPartitions read every partition")
    check(fetched[1].high_watermark == 3, "with each partition's high watermark")

    stream = consumer.Subscribe(pb.SubscribeRequest(topic=topic, partition=1, start=pb.EARLIEST,
                                                    format=pb.RECORD_FORMAT_PLAIN), timeout=30)
    seen = []
    for message in stream:
        seen.extend(r.value.decode() for r in message.plain_records)
        if len(seen) >= 3:
            stream.cancel()
            break
    check(seen == ["p1-0", "p1-1", "p1-2"], "Subscribe streamed partition 1")

    grants = queue.Queue()
    grants.put(pb.CreditSubscribeRequest(
        subscribe=pb.SubscribeRequest(topic=topic, partition=0, start=pb.EARLIEST, format=pb.RECORD_FORMAT_PLAIN),
        grant=pb.Credit(records=2)))
    credited = consumer.CreditSubscribe(iter(grants.get, None), timeout=30)
    granted = 2
    got = []
    for message in credited:
        got.extend(r.offset for r in message.plain_records)
        check(len(got) <= granted, "CreditSubscribe sent no more than the %d records granted" % granted)
        if len(got) == 2:
            granted += 3
            grants.put(pb.CreditSubscribeRequest(grant=pb.Credit(records=3)))
        if len(got) == 5:
            break
    credited.cancel()
    grants.put(None)
    check(got == [0, 1, 2, 3, 4], "CreditSubscribe sent each grant's records in order")

    print("all checks passed")


if __name__ == "__main__":
    main(*sys.argv[1:4])
