#!/usr/bin/env python3
"""Turns a bench/run work directory into a markdown report (see bench/README.md).

  report.py WORK_DIR        the full report on stdout
  report.py --line RUN_DIR  a one-line summary of one run (for the progress log)

WORK_DIR holds run.env (machine and settings, key=value) and runs/<case>/<system>/rep<N>/
with meta (key=value, written by bench/run) and measure.out (the perf tool's stdout); a failover
run also has kills.tsv (bench/run: one line per kill) and acks.tsv (bench/FailoverProbe.java: every
acknowledgement).
"""
import bisect
import csv
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


# The probe's read-back line (bench/FailoverProbe.java).
READ_BACK = re.compile(r"^sent=(\d+) acked=(\d+) failed=(\d+) read=(\d+) lost=(\d+) duplicates=(\d+)\s*$")


def longest_gap(times, start, end):
    """The longest gap between consecutive times (sorted) that overlaps [start, end], in ms; None if no time
    follows start."""
    first_after = bisect.bisect_right(times, start)
    if first_after == len(times):
        return None
    lo = max(first_after - 1, 0)
    hi = min(bisect.bisect_left(times, end), len(times) - 1)
    return max((times[i + 1] - times[i] for i in range(lo, hi)), default=times[first_after] - start)


def failover_kills(run_dir):
    """One dict per kill: the victim, the partitions it led and followed, and the gaps in seconds: the longest
    between acknowledgements of a led (followed) partition from the kill to the restart, the worst of them; the
    time from the kill to the acknowledgement of the first record sent after it (led partitions, the worst);
    the longest gap of any partition that starts after the restart, until 'settle' after the ISRs were full
    again (a gap still open from the kill is the kill's)."""
    acked = {}  # partition -> acknowledgement times, sorted
    by_seq = {}  # partition -> [(sent_ms, acked_ms)] in sequence order
    with open(os.path.join(run_dir, "acks.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            p = int(row["partition"])
            acked.setdefault(p, []).append(int(row["acked_ms"]))
            by_seq.setdefault(p, []).append((int(row["sent_ms"]), int(row["acked_ms"])))
    for times in acked.values():
        times.sort()
    sent_times = {p: [s for s, _ in rows] for p, rows in by_seq.items()}
    # Per partition, the earliest acknowledgement among the records from each sequence on.
    earliest_from = {}
    for p, rows in by_seq.items():
        suffix = [0] * len(rows)
        low = math.inf
        for i in range(len(rows) - 1, -1, -1):
            low = min(low, rows[i][1])
            suffix[i] = low
        earliest_from[p] = suffix
    settle_ms = 1000 * float(read_env(os.path.join(run_dir, "meta")).get("settle_s", 0))
    kills = []
    with open(os.path.join(run_dir, "kills.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            kill, restart, isr = int(row["kill_ms"]), int(row["restart_ms"]), int(row["isr_full_ms"])
            led = [int(p) for p in row["led"].split(",") if p != "-"]
            followed = [int(p) for p in row["followed"].split(",") if p != "-"]

            def worst(parts, start, end):
                gaps = [longest_gap(acked.get(p, []), start, end) for p in parts]
                return None if not gaps or None in gaps else max(gaps) / 1000

            def rejoin_gap(end):
                gaps = []
                for times in acked.values():
                    first = bisect.bisect_left(times, restart)
                    if first < len(times):
                        gaps.append(longest_gap(times, times[first], end))
                return max(gaps) / 1000 if gaps else None

            firsts = []
            for p in led:
                i = bisect.bisect_left(sent_times.get(p, []), kill)
                firsts.append(earliest_from[p][i] - kill if i < len(earliest_from.get(p, [])) else None)
            kills.append({
                "kill": int(row["kill"]), "victim": int(row["victim"]), "controller": row["controller"] == "1",
                "led": led, "followed": followed,
                "led_gap": worst(led, kill, restart), "followed_gap": worst(followed, kill, restart),
                "first_ack": None if not firsts or None in firsts else max(firsts) / 1000,
                "isr_s": (isr - restart) / 1000, "rejoin_gap": rejoin_gap(isr + settle_ms),
            })
    return kills


def run_metrics(run_dir):
    """Everything measured in one run; 'error' is set when the run does not count."""
    meta = read_env(os.path.join(run_dir, "meta"))
    r = {"system": meta.get("system"), "case": meta.get("case"), "rep": int(meta.get("rep", 0)),
         "meta": meta, "error": None}
    status = meta.get("status", "failed: incomplete run")
    if status != "ok":
        r["error"] = status
    if meta.get("kind") == "failover":
        return failover_metrics(run_dir, r)
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
        total, idle = machine_noise(meta, r)
        busy_cpu = (total - idle) / tck
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


def machine_noise(meta, r):
    """steal % and machine busy % over the measured phase, from the /proc/stat ticks in meta."""
    t0, idle0, steal0 = (int(x) for x in meta["machine_ticks_before"].split())
    t1, idle1, steal1 = (int(x) for x in meta["machine_ticks_after"].split())
    total = max(1, t1 - t0)
    r["steal_pct"] = 100.0 * (steal1 - steal0) / total
    r["busy_pct"] = 100.0 * (total - (idle1 - idle0)) / total
    return total, idle1 - idle0


def failover_metrics(run_dir, r):
    meta = r["meta"]
    out_path = os.path.join(run_dir, "measure.out")
    text = open(out_path, encoding="utf-8", errors="replace").read() if os.path.exists(out_path) else ""
    found = [m for m in (READ_BACK.match(l.strip()) for l in text.splitlines()) if m]
    if found:
        keys = ("sent", "acked", "failed", "read", "lost", "duplicates")
        r.update(dict(zip(keys, (int(x) for x in found[-1].groups()))))
    elif not r["error"]:
        r["error"] = "no read-back line in the probe's output"
    if "machine_ticks_after" in meta:
        machine_noise(meta, r)
    kills_path = os.path.join(run_dir, "kills.tsv")
    r["kills"] = failover_kills(run_dir) if os.path.exists(kills_path) and os.path.exists(
        os.path.join(run_dir, "acks.tsv")) else []
    if not r["error"] and len(r["kills"]) != int(meta.get("kills", 0)):
        r["error"] = f"{len(r['kills'])} of {meta.get('kills')} kills"
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


def seconds(values, reducer):
    values = [v for v in values if v is not None]
    return fmt(reducer(values), 2) if values else "–"


def failover_report(w, runs, env):
    """The failover case: per system, median and max over its kills of the led- and followed-partition gaps,
    then every kill."""
    w("## Failover: SIGKILL of a partition leader in a 3-broker cluster")
    w("")
    w("Per kill, **led gap** is the longest time between consecutive acknowledgements of a partition the victim "
      "led (the worst of them), from the kill to its restart; **followed gap** the same for the partitions it "
      "only followed (in their ISR). **first new ack** is the time from the kill to the acknowledgement of the "
      "first record sent after it (led partitions). **rejoin gap**: the longest gap of any partition that began "
      "after the restart, until the settle time after every ISR was full again. Seconds. Medians and maxima are over the "
      "kills. **lost** counts acknowledged records not read back at their offset at the end. The same client "
      "(Kafka's, through each system's Kafka listener) and settings for both; steal and machine busy % cover "
      "the whole phase.")
    w("")
    w("| system | kills | of them controller host | led gap median | led gap max | followed gap median "
      "| followed gap max | first new ack median | rejoin gap max | acked | lost | duplicates | steal % "
      "| machine busy % | load1 before / after | status |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in sorted(runs, key=lambda r: (SYSTEMS.index(r["system"]), r["rep"])):
        kills = r["kills"]
        meta = r["meta"]
        w(f"| {r['system']} | {len(kills)} | {sum(k['controller'] for k in kills)} | "
          f"{seconds([k['led_gap'] for k in kills], median)} | {seconds([k['led_gap'] for k in kills], max)} | "
          f"{seconds([k['followed_gap'] for k in kills], median)} | "
          f"{seconds([k['followed_gap'] for k in kills], max)} | "
          f"{seconds([k['first_ack'] for k in kills], median)} | {seconds([k['rejoin_gap'] for k in kills], max)} | "
          f"{fmt(r.get('acked'), thousands=True)} | {fmt(r.get('lost'), 0)} | {fmt(r.get('duplicates'), 0)} | "
          f"{fmt(r.get('steal_pct'))} | {fmt(r.get('busy_pct'), 0)} | "
          f"{meta.get('load1_before', '–')} / {meta.get('load1_after', '–')} | {r['error'] or 'ok'} |")
    w("")
    w("| system | kill | victim | controller host | led | led gap | followed | followed gap | first new ack "
      "| restart to full ISRs | rejoin gap |")
    w("|---|---:|---:|---|---|---:|---|---:|---:|---:|---:|")
    for r in sorted(runs, key=lambda r: (SYSTEMS.index(r["system"]), r["rep"])):
        for k in r["kills"]:
            w(f"| {r['system']} | {k['kill']} | {k['victim']} | {'yes' if k['controller'] else 'no'} | "
              f"{','.join(map(str, k['led'])) or '–'} | {fmt(k['led_gap'], 2)} | "
              f"{','.join(map(str, k['followed'])) or '–'} | {fmt(k['followed_gap'], 2)} | "
              f"{fmt(k['first_ack'], 2)} | {fmt(k['isr_s'], 1)} | {fmt(k['rejoin_gap'], 2)} |")
    w("")


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
    all_cases = cases
    failover = [r for r in runs if r["meta"].get("kind") == "failover"]
    runs = [r for r in runs if r["meta"].get("kind") != "failover"]
    cases = [c for c in cases if c not in {r["case"] for r in failover}]
    if cases:
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
    if failover:
        failover_report(w, failover, env)
    w("| case | what it does |")
    w("|---|---|")
    for case in all_cases:
        w(f"| {case} | {env.get('case_desc_' + case, '')} |")
    w("")
    if not runs:
        return "\n".join(out)
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
    if r["meta"].get("kind") == "failover":
        kills = r["kills"]
        return (f"  {r['system']} {r['case']}: {len(kills)} kills, led gap median "
                f"{seconds([k['led_gap'] for k in kills], median)} s max {seconds([k['led_gap'] for k in kills], max)} s, "
                f"followed gap median {seconds([k['followed_gap'] for k in kills], median)} s max "
                f"{seconds([k['followed_gap'] for k in kills], max)} s, {r['acked']:,} acked, {r['lost']} lost")
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
