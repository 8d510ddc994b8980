#!/usr/bin/env python3
"""Turns a bench/run work directory into a markdown report (see bench/README.md).

  report.py WORK_DIR        the full report on stdout
  report.py --line RUN_DIR  a one-line summary of one run (for the progress log)

WORK_DIR holds run.env (machine and settings, key=value) and runs/<case>/<system>/rep<N>/
with meta (key=value, written by bench/run) and measure.out (the perf tool's stdout).
"""
import math
import os
import re
import statistics
import sys

SYSTEMS = ("kafka", "skein", "skein-kt")
# How the ratio rows name each system against Kafka.
RATIO_LABELS = {"skein": "Skein/Kafka", "skein-kt": "Skein (Kafka tools)/Kafka"}
GIB = 1 << 30

# Summary line of kafka-producer-perf-test / ProducerPerformance and of `skein perf produce`;
# with --warmup-records a second one, "N steady state records sent, ...", follows it.
# Kafka prints whole milliseconds for the percentiles, Skein two decimals.
PRODUCE_TOTAL = re.compile(
    r"^(\d+)(?: steady state)? records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency, ([\d.]+) ms 50th, ([\d.]+) ms 95th, ([\d.]+) ms 99th, ([\d.]+) ms 99.9th\.\s*$"
)


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                key, value = line.split("=", 1)
                env[key] = value
    return env


def parse_produce(text):
    """The last summary line of a producer perf run (the steady state's, if any), or None."""
    found = None
    for line in text.splitlines():
        m = PRODUCE_TOTAL.match(line.strip())
        if m:
            found = m
    if not found:
        return None
    g = [float(x) for x in found.groups()]
    return {
        "records": int(g[0]), "rps": g[1], "mbps": g[2], "lat_avg": g[3], "lat_max": g[4],
        "p50": g[5], "p95": g[6], "p99": g[7], "p999": g[8],
    }


def parse_consume(text):
    """The CSV of kafka-consumer-perf-test / `skein perf consume`, or None.

    Kafka's ConsumerPerformance joins a consumer group first; its fetch.* columns leave the
    group rebalance out, which makes them comparable to Skein's (assign, no group)."""
    lines = [l for l in text.splitlines() if l.strip()]
    for i, line in enumerate(lines):
        if line.startswith("start.time") and i + 1 < len(lines):
            header = [h.strip() for h in line.split(",")]
            values = [v.strip() for v in lines[i + 1].split(",")]
            row = dict(zip(header, values))
            try:
                records = int(float(row["data.consumed.in.nMsg"]))
                if "fetch.nMsg.sec" in row:
                    rps, mbps = float(row["fetch.nMsg.sec"]), float(row["fetch.MB.sec"])
                else:
                    rps, mbps = float(row["nMsg.sec"]), float(row["MB.sec"])
            except (KeyError, ValueError):
                return None
            return {"records": records, "rps": rps, "mbps": mbps,
                    "rebalance_ms": float(row["rebalance.time.ms"]) if "rebalance.time.ms" in row else None}
    return None


def parse_compact(meta, num):
    """The cleaner's totals from meta ("cleaner=CLEANS MB SECONDS", bench/run), or None.

    Its MB/s is the cleaner's: MB its cleans read over the time they took."""
    if "cleaner" not in meta:
        return None
    cleans, mb, seconds = meta["cleaner"].split()
    if int(cleans) == 0:
        return None
    return {"records": num, "rps": None, "mbps": float(mb) / float(seconds) if float(seconds) > 0 else None,
            "cleans": int(cleans), "cleaner_mb": float(mb), "cleaner_s": float(seconds),
            "log_mib_after": int(meta.get("log_kb_after", 0)) / 1024}


def run_metrics(run_dir):
    """Everything measured in one run; 'error' is set when the run does not count."""
    meta = read_env(os.path.join(run_dir, "meta"))
    r = {"system": meta.get("system"), "case": meta.get("case"), "rep": int(meta.get("rep", 0)),
         "meta": meta, "error": None}
    status = meta.get("status", "failed: incomplete run")
    if status != "ok":
        r["error"] = status
    out_path = os.path.join(run_dir, "measure.out")
    text = open(out_path, encoding="utf-8", errors="replace").read() if os.path.exists(out_path) else ""
    num = int(meta.get("num", 0))
    if meta.get("kind") == "compact":
        parsed = parse_compact(meta, num)
    else:
        parsed = parse_consume(text) if meta.get("kind") == "consume" else parse_produce(text)
    if parsed is None:
        r["error"] = r["error"] or "no result line in the tool's output"
    else:
        r.update(parsed)
        if parsed["records"] != num and not r["error"]:
            r["error"] = f"{parsed['records']} of {num} records"
    if "broker_cpu_ticks" in meta:
        tck = float(meta.get("clk_tck", 100))
        r["broker_cpu"] = int(meta["broker_cpu_ticks"]) / tck
        r["client_cpu"] = int(meta["client_cpu_ticks"]) / tck
        r["rss_mib"] = int(meta["broker_vmhwm_kb"]) / 1024
        r["wall"] = float(meta["wall_s"])
        t0, idle0, steal0 = (int(x) for x in meta["machine_ticks_before"].split())
        t1, idle1, steal1 = (int(x) for x in meta["machine_ticks_after"].split())
        total = max(1, t1 - t0)
        r["steal_pct"] = 100.0 * (steal1 - steal0) / total
        r["busy_pct"] = 100.0 * (total - (idle1 - idle0)) / total
        busy_cpu = (total - (idle1 - idle0)) / tck
        # CPU used on the machine during the phase by neither the broker nor the load tool:
        # other builds, the OS. A large value means the figures of that run are disturbed.
        r["other_cpu"] = busy_cpu - r["broker_cpu"] - r["client_cpu"]
        # The broker's CPU covers the whole run of the tool, its warm-up records included.
        records = r.get("records", num) + int(meta.get("tool_warm", 0))
        payload = records * int(meta.get("size", 0))
        r["cpu_per_gib"] = r["broker_cpu"] / (payload / GIB) if payload else None
    rate = float(meta.get("rate", -1))
    if rate > 0 and r.get("rps") is not None and r["rps"] < 0.95 * rate:
        # The system did not keep up with the fixed rate: its latencies are queueing delay.
        r["below_rate"] = True
    return r


def collect(work):
    runs = []
    base = os.path.join(work, "runs")
    for case in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        for system in SYSTEMS:
            sdir = os.path.join(base, case, system)
            if not os.path.isdir(sdir):
                continue
            for rep in sorted(os.listdir(sdir)):
                if os.path.exists(os.path.join(sdir, rep, "meta")):
                    runs.append(run_metrics(os.path.join(sdir, rep)))
    return runs


def median(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(values) if values else None


def fmt(value, digits=1, thousands=False):
    if value is None:
        return "–"
    if thousands:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratio(skein, kafka):
    if skein is None or kafka is None or kafka == 0:
        return "–"
    return f"{skein / kafka:.2f}×"


# (column title, metric key, format digits or "k" for thousands, producer-only)
COLUMNS = [
    ("records/s", "rps", "k", False),
    ("MB/s", "mbps", 1, False),
    ("lat avg ms", "lat_avg", 2, True),
    ("p50 ms", "p50", 2, True),
    ("p99 ms", "p99", 2, True),
    ("p99.9 ms", "p999", 2, True),
    ("broker CPU s", "broker_cpu", 1, False),
    ("CPU s/GiB", "cpu_per_gib", 1, False),
    ("peak RSS MiB", "rss_mib", 0, False),
    ("steal %", "steal_pct", 1, False),
]


def cell(value, spec):
    return fmt(value, thousands=True) if spec == "k" else fmt(value, spec)


def report(work):
    env = read_env(os.path.join(work, "run.env"))
    runs = collect(work)
    cases = env.get("cases", "").split()
    # Cases run on a cluster: {case: number of brokers}.
    clusters = {r["case"]: int(r["meta"]["nodes"]) for r in runs if int(r["meta"].get("nodes", 1)) > 1}
    out = []
    w = out.append
    date = env.get("date", "")
    setups = "single node" + (" and 3-broker cluster" if clusters else "")
    w(f"# Skein vs Apache Kafka {env.get('kafka_version', '')}: {setups}, {date}")
    w("")
    w(f"Command: `{env.get('command', 'bench/run')}`" + (" (quick smoke run: small counts, not a measurement)"
                                                         if env.get("quick") == "1" else ""))
    w("")
    w("| machine | |")
    w("|---|---|")
    for key, title in [("nproc", "nproc"), ("cpu_model", "CPU"), ("mem_total", "memory"), ("kernel", "kernel"),
                       ("java", "java -version"), ("filesystem", "data filesystem"),
                       ("load_before", "load average before / after"), ("skein_commit", "Skein commit"),
                       ("broker_jvm_opts", "broker JVM options (both)"), ("client_jvm_opts", "perf tool JVM options (both)")]:
        value = env.get(key, "?")
        if key == "load_before":
            value = f"{env.get('load_before', '?')} / {env.get('load_after', '?')}"
        w(f"| {title} | {value} |")
    total = env.get("total_s")
    if total:
        w(f"| wall time of the whole run | {int(total) // 60} min {int(total) % 60} s |")
    w("")
    w(f"Each case ran {env.get('reps', '?')}× per system (kafka: Apache Kafka and its tools; skein: Skein and skein perf; skein-kt: Skein driven by Kafka's tools through its Kafka listener), the order alternating, each run on a fresh broker "
      f"and topic (6 partitions, RF 1 unless the case says otherwise, OS flush), after an unmeasured warm-up "
      f"on the same broker (lat-1k: inside the perf tool's run; its figures are the tool's steady-state "
      f"line, after the warm-up records). Producers: batch.size={env.get('batch_size')}, "
      f"linger.ms={env.get('linger_ms')}, no keys. Figures are medians over the runs that succeeded; "
      "the ratios are each Skein row over Kafka's (above 1 is better for records/s and MB/s, worse for the rest). "
      "Kafka's percentiles are whole milliseconds. CPU and steal cover the measured phase only; "
      "peak RSS is the broker's VmHWM. A fixed-rate run that reached less than 95% of its target rate is "
      "flagged 'below target rate': its latencies are mostly queueing. See bench/README.md.")
    w("")
    w("| case | system | " + " | ".join(c[0] for c in COLUMNS) + " | runs ok |")
    w("|---|---|" + "---:|" * (len(COLUMNS) + 1))
    for case in cases:
        case_runs = [r for r in runs if r["case"] == case]
        if not case_runs:
            continue
        medians = {}
        for system in SYSTEMS:
            ok = [r for r in case_runs if r["system"] == system and not r["error"]]
            medians[system] = {c[1]: median([r.get(c[1]) for r in ok]) for c in COLUMNS}
            medians[system]["n"] = f"{len(ok)}/{len([r for r in case_runs if r['system'] == system])}"
        consume = case_runs[0]["meta"].get("kind") in ("consume", "compact")
        for system in SYSTEMS:
            m = medians[system]
            cells = ["–" if (prod and consume) else cell(m[key], spec) for _, key, spec, prod in COLUMNS]
            slow = [r for r in case_runs if r["system"] == system and not r["error"] and r.get("below_rate")]
            flag = f" ({len(slow)} below target rate)" if slow else ""
            w(f"| {case} | {system} | " + " | ".join(cells) + f" | {m['n']}{flag} |")
        for system in SYSTEMS[1:]:
            cells = ["–" if (prod and consume) or key == "steal_pct" else ratio(medians[system][key], medians["kafka"][key])
                     for _, key, _, prod in COLUMNS]
            w(f"| {case} | **{RATIO_LABELS[system]}** | " + " | ".join(cells) + " | |")
    w("")
    for case in [c for c in cases if c in clusters]:
        n = clusters[case]
        w(f"{case}: {n} brokers on this machine, each with the broker JVM options above (Kafka: {n} KRaft nodes, "
          f"broker and controller combined; Skein: {n} broker JVMs forming an Akka cluster, plus a PostgreSQL "
          f"server for the Controller's journal, whose CPU counts as `other CPU s`). **broker CPU s** and "
          f"**peak RSS MiB** are sums over the {n} broker processes; CPU s/GiB divides by the payload once, "
          f"not once per replica.")
        w("")
    compacted = [c for c in cases if any(r["case"] == c and r["meta"].get("kind") == "compact" for r in runs)]
    if compacted:
        w("Compaction (medians): **MB/s** in the table above is the cleaner's, the MB its cleans read (the "
          "key-map pass included) over the seconds they took, summed over its log lines (Kafka: the "
          "\"Log cleaner thread 0 cleaned log\" statistics, Skein: LogCleaner's \"Cleaned ...\" lines); "
          "broker CPU covers writing and cleaning.")
        w("")
        w("| case | system | cleans | MB read by the cleaner | cleaner s | cleaner MB/s | data dir MiB after |")
        w("|---|---|---:|---:|---:|---:|---:|")
        for case in compacted:
            for system in SYSTEMS:
                ok = [r for r in runs if r["case"] == case and r["system"] == system and not r["error"]]
                if ok:
                    w(f"| {case} | {system} | {fmt(median([r['cleans'] for r in ok]), 0)} | "
                      f"{fmt(median([r['cleaner_mb'] for r in ok]))} | {fmt(median([r['cleaner_s'] for r in ok]), 2)} | "
                      f"{fmt(median([r['mbps'] for r in ok]))} | {fmt(median([r['log_mib_after'] for r in ok]))} |")
        w("")
    w("| case | what it does |")
    w("|---|---|")
    for case in cases:
        w(f"| {case} | {env.get('case_desc_' + case, '')} |")
    w("")
    w("## Every run")
    w("")
    w("`other CPU s` is CPU time the machine spent during the measured phase outside the broker and the "
      "perf tool (other builds, the OS): where it is large, that run was disturbed.")
    w("")
    w("| case | system | rep | records/s | p99 ms | phase s | broker CPU s | perf tool CPU s | other CPU s "
      "| machine busy % | steal % | load1 | start-up s | status |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    order = {c: i for i, c in enumerate(cases)}
    for r in sorted(runs, key=lambda r: (order.get(r["case"], 99), r["rep"], r["system"])):
        meta = r["meta"]
        w(f"| {r['case']} | {r['system']} | {r['rep']} | {fmt(r.get('rps'), thousands=True)} | "
          f"{'–' if meta.get('kind') in ('consume', 'compact') else fmt(r.get('p99'), 2)} | {fmt(r.get('wall'))} | "
          f"{fmt(r.get('broker_cpu'))} | {fmt(r.get('client_cpu'))} | {fmt(r.get('other_cpu'))} | "
          f"{fmt(r.get('busy_pct'), 0)} | {fmt(r.get('steal_pct'))} | {meta.get('load1_before', '–')} | "
          f"{meta.get('startup_s', '–')} | {r['error'] or ('ok, below target rate' if r.get('below_rate') else 'ok')} |")
    w("")
    return "\n".join(out)


def line(run_dir):
    r = run_metrics(run_dir)
    if r["error"]:
        return f"  {r['system']} {r['case']} rep {r['rep']}: FAILED ({r['error']})"
    parts = [f"{r['rps']:,.0f} rec/s" if r["rps"] is not None else f"{r['cleans']} cleans",
             f"{r['mbps']:.1f} MB/s"]
    if "p99" in r:
        parts.append(f"p99 {r['p99']:.1f} ms")
    if "broker_cpu" in r:
        parts += [f"broker CPU {r['broker_cpu']:.1f} s", f"RSS {r['rss_mib']:.0f} MiB",
                  f"steal {r['steal_pct']:.1f}%", f"other CPU {r['other_cpu']:.1f} s"]
    return f"  {r['system']} {r['case']} rep {r['rep']}: " + ", ".join(parts)


def main(argv):
    if len(argv) == 3 and argv[1] == "--line":
        print(line(argv[2]))
        return 0
    if len(argv) == 2 and not argv[1].startswith("-"):
        print(report(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
