#!/usr/bin/env python3
"""A Skein client in Python that knows only the published .proto files.

Generates its gRPC code from src/main/proto with protoc and grpc_python_plugin (Debian:
protobuf-compiler, protobuf-compiler-grpc, python3-grpcio, python3-protobuf), then, against a
running broker: produces plain records (one partition, and several in one call), reads them
back by Fetch, FetchPartitions, Subscribe and CreditSubscribe, and runs two GroupSubscribe
members that share the partitions, commit, and hand over when one leaves. Exits non-zero at
the first check that fails.

    skein_client.py HOST:PORT PROTO_DIR TOPIC
"""
import atexit
import queue
import shutil
import subprocess
import sys
import tempfile

import threading
import time

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

    group_members(channel, pb, topic)
    print("all checks passed")


class Member:
    """A GroupSubscribe member in a thread: reads, commits on revocation, acknowledges."""

    def __init__(self, channel, pb, topic, group):
        from skein.v1 import groups_pb2 as gpb
        from skein.v1 import groups_pb2_grpc as grpc_groups
        self.pb, self.gpb, self.topic = pb, gpb, topic
        self.requests = queue.Queue()
        self.lock = threading.Lock()
        self.owned, self.next, self.values, self.revocations = set(), {}, [], 0
        self.requests.put(gpb.GroupSubscribeRequest(start=gpb.GroupSubscribeStart(
            group_id=group, topics=[topic], session_timeout_ms=10000, grant=pb.Credit(records=1000))))
        self.call = grpc_groups.GroupServiceStub(channel).GroupSubscribe(iter(self.requests.get, None))
        threading.Thread(target=self.run, daemon=True).start()

    def commit(self, partitions):
        offsets = [self.gpb.PartitionOffset(topic=self.topic, partition=p, offset=self.next[p])
                   for p in partitions if p in self.next]
        self.requests.put(self.gpb.GroupSubscribeRequest(
            correlation_id=1, commit=self.gpb.GroupSubscribeCommit(offsets=offsets)))

    def run(self):
        try:
            for message in self.call:
                kind = message.WhichOneof("kind")
                with self.lock:
                    if kind == "assignment":
                        self.owned = {p for t in message.assignment.partitions for p in t.partitions}
                    elif kind == "revocation":
                        revoked = {p for t in message.revocation.partitions for p in t.partitions}
                        self.owned -= revoked
                        self.commit(revoked)
                        self.requests.put(self.gpb.GroupSubscribeRequest(revocation_done=self.gpb.RevocationDone()))
                        self.revocations += 1
                    elif kind == "records":
                        for r in message.records.records:
                            self.values.append(r.value.decode())
                            self.next[message.records.partition] = r.offset + 1
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.CANCELLED:
                raise

    def leave(self):
        self.requests.put(None)


def wait_for(what, condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            sys.exit("FAILED: " + what + " within %d s" % seconds)
        time.sleep(0.1)
    print("ok", what)


def group_members(channel, pb, topic):
    from skein.v1 import skein_pb2_grpc as rpc
    producer = rpc.ProducerServiceStub(channel)
    stored = 5 + 3 + 3  # what main() produced to partitions 0, 1 and 2

    def produce(round_):
        producer.ProducePartitions(pb.ProducePartitionsRequest(partitions=[
            pb.ProduceRequest(topic=topic, partition=p, acks=-1,
                              plain_records=[pb.Record(value=("g%d-%d" % (round_, p)).encode())])
            for p in range(3)]), timeout=30)

    first = Member(channel, pb, topic, "python-group")
    wait_for("one member reads every partition", lambda: len(first.values) == stored)
    with first.lock:
        first.commit(set(first.owned))
    second = Member(channel, pb, topic, "python-group")
    wait_for("two members share the partitions",
             lambda: first.revocations >= 1 and second.owned and first.owned
             and not (first.owned & second.owned) and len(first.owned | second.owned) == 3)
    check(second.values == [], "the second member starts where the first committed")
    produce(1)
    wait_for("each member reads its own partitions", lambda: len(first.values) + len(second.values) == stored + 3)
    check(sorted(v for v in first.values + second.values if v.startswith("g1")) == ["g1-0", "g1-1", "g1-2"],
          "no record lost or read twice")
    with first.lock:
        first.commit(set(first.owned))
    first.leave()
    wait_for("the second member takes over on leave", lambda: len(second.owned) == 3)
    produce(2)
    wait_for("and reads on from the first member's commits",
             lambda: sorted(v for v in second.values if v.startswith("g2")) == ["g2-0", "g2-1", "g2-2"])
    g1 = [v for v in first.values + second.values if v.startswith("g1")]
    check(len(g1) == 3 and len(second.values) == len(set(second.values)), "nothing read again after the hand-over")
    second.leave()


if __name__ == "__main__":
    main(*sys.argv[1:4])
