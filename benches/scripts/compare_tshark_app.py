#!/usr/bin/env python3
"""Compare cemprobe's dns/http/tls records with tshark's analysis on real captures.

Usage: compare_tshark_app.py [--cemprobe BIN] PCAP...

For every capture:
  * DNS: tshark responses with `dns.time` (matched to a query) as (id, qname, µs) against
    cemprobe `dns` records with outcome "answered" as (id, qname, latency_us);
  * HTTP: tshark responses with `http.time` as (status) counts against cemprobe `http`
    records with a status; response times are compared where tshark's request and response
    each fit one segment (tshark times the reassembled frames, i.e. the last segment);
  * SNI: tshark ClientHellos (TCP and QUIC) as a multiset of server names against cemprobe
    `tls` records.
Prints per-capture agreement and the differences; exit code 0 always (a report, not a test).
"""
import collections
import json
import subprocess
import sys


def tshark(pcap, filt, fields):
    cmd = ["tshark", "-n", "-o", "http.desegment_body:FALSE", "-o", "http.desegment_headers:FALSE", "-r", pcap, "-Y", filt, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def ours(binary, pcap):
    out = subprocess.run(
        [binary, "read", "--no-progress", "--workers", "1", "--records", "dns,http,tls", pcap],
        capture_output=True,
        text=True,
    ).stdout
    recs = collections.defaultdict(list)
    for line in out.splitlines():
        r = json.loads(line)
        recs[r["type"]].append(r)
    return recs


VERBOSE = False


def main():
    global VERBOSE
    args = sys.argv[1:]
    if args[:1] == ["-v"]:
        VERBOSE, args = True, args[1:]
    binary = "target/release/cemprobe"
    if args[:1] == ["--cemprobe"]:
        binary, args = args[1], args[2:]
    totals = collections.Counter()
    for pcap in args:
        r = ours(binary, pcap)
        # DNS
        t = collections.Counter()
        for row in tshark(pcap, "dns.flags.response == 1 && dns.time", ["dns.id", "dns.qry.name", "dns.time"]):
            if len(row) < 3 or not row[2]:
                continue
            t[(int(row[0], 16), row[1].split(",")[0].lower(), round(float(row[2]) * 1e6))] += 1
        o = collections.Counter(
            (d["id"], d["qname"].lower(), d["latency_us"]) for d in r["dns"] if d["outcome"] == "answered"
        )
        same = sum((t & o).values())
        totals["dns_tshark"] += sum(t.values())
        totals["dns_same"] += same
        # SNI
        ts = collections.Counter(
            row[0] for row in tshark(pcap, "tls.handshake.type == 1", ["tls.handshake.extensions_server_name"]) if row and row[0]
        )
        os_ = collections.Counter(x["sni"] for x in r["tls"] if x.get("sni"))
        totals["sni_tshark"] += sum(ts.values())
        totals["sni_same"] += sum((ts & os_).values())
        # HTTP statuses
        th = collections.Counter(
            row[0] for row in tshark(pcap, "http.response && http.time", ["http.response.code"]) if row and row[0]
        )
        oh = collections.Counter(str(x["status"]) for x in r["http"] if x.get("status") is not None)
        totals["http_tshark"] += sum(th.values())
        totals["http_same"] += sum((th & oh).values())
        # HTTP response times: (status, µs) pairs; tshark times the frames that complete the
        # heads, so only single-segment heads can agree exactly.
        tht = collections.Counter(
            (row[0], round(float(row[1]) * 1e6))
            for row in tshark(pcap, "http.response && http.time", ["http.response.code", "http.time"])
            if len(row) > 1 and row[1]
        )
        oht = collections.Counter(
            (str(x["status"]), x["response_us"]) for x in r["http"] if x.get("status") is not None
        )
        totals["http_time_same"] += sum((tht & oht).values())
        if "-v" in sys.argv[0:0] or VERBOSE and tht != oht:
            print(f"== {pcap}: http times only tshark {sorted(tht - oht)[:4]} only ours {sorted(oht - tht)[:4]}")
        if t != o or ts != os_ or th != oh:
            print(f"== {pcap}")
            if t - o:
                print("  dns only tshark:", sorted(t - o)[:5])
            if o - t:
                print("  dns only ours:  ", sorted(o - t)[:5])
            if ts - os_ or os_ - ts:
                print("  sni only tshark:", sorted(ts - os_)[:5], "only ours:", sorted(os_ - ts)[:5])
            if th - oh or oh - th:
                print("  http only tshark:", sorted(th - oh)[:5], "only ours:", sorted(oh - th)[:5])
    print(dict(totals))


if __name__ == "__main__":
    main()
