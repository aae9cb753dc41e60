#!/usr/bin/env python3
"""concurrent_flows.py OUT.pcap N: N distinct TCP flows, all open at once (memory per flow).

Each flow is one SYN from 10.x.y.z:port to 192.0.2.1:443, 1 µs apart, so at end of input all N
flows are in the table together (no timeout is reached). Peak RSS of `cemprobe read` on it,
minus its RSS on a tiny capture, divided by N, is the memory per tracked flow."""
import struct
import sys

out, n = sys.argv[1], int(sys.argv[2])
eth = bytes.fromhex("020000000002" "020000000001" "0800")
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    base = 1_700_000_000_000_000
    rec = struct.Struct("<IIII")
    for i in range(n):
        src = bytes([10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF])
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0, src, bytes([192, 0, 2, 1]))
        tcp = struct.pack("!HHIIBBHHH", 1024 + (i >> 24), 443, 1000, 0, 0x50, 0x02, 64240, 0, 0)
        frame = eth + ip + tcp
        t = base + i
        f.write(rec.pack(t // 1_000_000, t % 1_000_000, len(frame), len(frame)))
        f.write(frame)
