"""End-to-end harness for tungw: scapy packets in, real tungw on net_pcap ports, packets out.

A test builds a configuration (SPEC section 2) and the frames each port receives, calls run(),
and compares what each port sent with a scapy-built expectation using assert_pkts().  run()
itself checks what holds for every run: the exit status, "mbufs in use at exit: 0", the port
counters of --stats-json against the pcaps, and tshark finding nothing malformed and no bad
checksum in any output pcap.

Environment: TUNGW_BIN (the binary; default build/app/tungw/tungw), TGW_KEEP=1 keeps the
temporary directories, TGW_TIMEOUT (seconds per tungw run, default 60).
"""

import copy
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

# scapy classes are re-exported for the tests (from tgw import IP, UDP, ...)
from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6DestUnreach, ICMPv6EchoReply,  # noqa
                       ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig, ICMPv6ParamProblem,
                       ICMPv6TimeExceeded, IPv6, IPv6ExtHdrDestOpt, HBHOptUnknown, PadN,
                       Raw, Padding, conf)

conf.verb = 0

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The standard two-port topology every test starts from.
LAN_MAC = "02:00:00:00:01:01"       # lan0
LAN_HOST_MAC = "02:00:00:00:01:02"  # a host on lan0
WAN_MAC = "02:00:00:00:02:01"       # wan0
PEER_MAC = "02:00:00:00:02:02"      # the tunnel peer on wan0
WAN_GW_MAC = "02:00:00:00:02:fe"    # the upstream router on wan0
OTHER_MAC = "02:00:00:00:09:09"     # somebody else

LAN4, LAN_HOST4 = "10.1.0.1", "10.1.0.2"
LAN6, LAN_HOST6 = "2001:db8:1::1", "2001:db8:1::2"
LAN_LL = "fe80::ff:fe00:101"        # EUI-64 of 02:00:00:00:01:01
WAN_LL = "fe80::ff:fe00:201"        # EUI-64 of 02:00:00:00:02:01
WAN4, PEER4, WAN_GW4 = "192.0.2.1", "192.0.2.2", "192.0.2.254"
WAN6, PEER6, WAN_GW6 = "2001:db8:ffff::1", "2001:db8:ffff::2", "2001:db8:ffff::fe"
REMOTE4 = "10.2.0.5"                # a host behind the tunnel
REMOTE6 = "2001:db8:2::5"

SPORT, DPORT = 40000, 9999          # UDP ports no dissector claims

ICMP4_ERR_MAX = 576 - 20 - 8        # RFC 1812 4.3.2.3: ICMP error fits in 576 bytes
ICMP6_ERR_MAX = 1280 - 40 - 8       # RFC 4443 2.4(c): ICMPv6 error fits in 1280 bytes


def tungw_bin():
    return os.environ.get("TUNGW_BIN") or os.path.join(REPO, "build", "app", "tungw", "tungw")


# --------------------------------------------------------------------------- configuration

def base_config(tunnels=(), routes=(), neighbors=(), lan_extra=None, wan_extra=None,
                std_neighbors=True):
    """The lan0/wan0 configuration of the brief plus static neighbours for the lan host and
    the tunnel peer (IPv4 and IPv6)."""
    lan = {"name": "lan0", "mac": LAN_MAC, "addresses": [LAN4 + "/24", LAN6 + "/64"]}
    wan = {"name": "wan0", "mac": WAN_MAC, "addresses": [WAN4 + "/24", WAN6 + "/64"]}
    lan.update(lan_extra or {})
    wan.update(wan_extra or {})
    neigh = []
    if std_neighbors:
        neigh = [{"dst": PEER4, "lladdr": PEER_MAC, "dev": "wan0"},
                 {"dst": PEER6, "lladdr": PEER_MAC, "dev": "wan0"},
                 {"dst": LAN_HOST4, "lladdr": LAN_HOST_MAC, "dev": "lan0"},
                 {"dst": LAN_HOST6, "lladdr": LAN_HOST_MAC, "dev": "lan0"}]
    return {"ports": [lan, wan], "tunnels": list(tunnels), "routes": list(routes),
            "neighbors": neigh + list(neighbors)}


# --------------------------------------------------------------------------- pcap files

def write_pcap(path, frames):
    """Write frames (scapy packets or bytes) as a classic Ethernet pcap, even when empty."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            b = bytes(fr)
            f.write(struct.pack("<IIII", 1000000 + i // 1000000, i % 1000000, len(b), len(b)))
            f.write(b)


def read_pcap(path):
    """Return the frames of a pcap (micro- or nanosecond, either byte order) as bytes."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise AssertionError(f"{path}: not a pcap file ({len(data)} bytes)")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise AssertionError(f"{path}: bad pcap magic {magic.hex()}")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise AssertionError(f"{path}: link type {linktype}, expected 1 (Ethernet)")
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, caplen, wirelen = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if caplen != wirelen:
            raise AssertionError(f"{path}: frame {len(frames) + 1} truncated in the pcap "
                                 f"({caplen} of {wirelen} bytes)")
        frames.append(data[off:off + caplen])
        off += caplen
    if off != len(data):
        raise AssertionError(f"{path}: trailing garbage after frame {len(frames)}")
    return frames


# --------------------------------------------------------------------------- tshark

PI_SEVERITY_MASK = 0x00f00000
PI_WARN, PI_ERROR = 0x00600000, 0x00800000
PI_GROUP_MASK = 0xff000000
PI_CHECKSUM, PI_PROTOCOL, PI_MALFORMED = 0x01000000, 0x09000000, 0x07000000


def tshark_check(path, where=None):
    """Dissect a pcap with tshark, every checksum verified; fail on any malformed packet, bad
    checksum, protocol warning or error-level expert item.  where[i] names frame i + 1."""
    cmd = ["tshark", "-n", "-r", path,
           "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-o", "tcp.check_checksum:TRUE",
           "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=;",
           "-e", "frame.number", "-e", "_ws.expert.group", "-e", "_ws.expert.severity",
           "-e", "_ws.expert.message", "-e", "_ws.malformed", "-e", "frame.protocols"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"tshark failed on {path}: {p.stderr.strip()}")
    problems = []
    for line in p.stdout.splitlines():
        cols = line.split("|")
        if len(cols) < 6:
            continue
        num, groups, sevs, msgs, malformed, protos = cols[:6]
        if where and num.isdigit() and int(num) <= len(where):
            num = f"{num} ({where[int(num) - 1]})"
        groups = [int(g) for g in groups.split(";") if g]
        sevs = [int(s) for s in sevs.split(";") if s]
        msgs = msgs.split(";")
        for i, g in enumerate(groups):
            sev = sevs[i] if i < len(sevs) else 0
            grp = g & PI_GROUP_MASK
            bad = (grp in (PI_CHECKSUM, PI_MALFORMED) or sev >= PI_ERROR or
                   (grp == PI_PROTOCOL and sev >= PI_WARN))
            if bad:
                problems.append(f"frame {num} [{protos}]: {msgs[i] if i < len(msgs) else '?'}")
        if malformed:
            problems.append(f"frame {num} [{protos}]: malformed ({malformed})")
    if problems:
        raise AssertionError(f"tshark on {os.path.basename(path)}:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------- running tungw

_seq = itertools.count()
LAST = None     # the latest Result, for failure messages


def _ctx():
    """Context for a failure message: the drops of the latest run."""
    if LAST is None or LAST.stats is None:
        return ""
    return f"\n  (that run's drops: {LAST.drops})"


class Result:
    """What one tungw run produced."""

    def __init__(self):
        self.code = None
        self.stdout = ""
        self.stderr = ""
        self.stats = None
        self.raw = {}       # port name -> list of frames (bytes), everything sent
        self.out = {}       # port name -> list of Ether, unsolicited announcements removed
        self.dir = None
        self.cmd = None

    @property
    def drops(self):
        return (self.stats or {}).get("drops", {})

    def tunnel(self, name):
        t = (self.stats or {}).get("tunnels", {})
        if name not in t:
            raise AssertionError(f"stats have no tunnel {name!r}: {sorted(t)}")
        return t[name]

    def port(self, name):
        p = (self.stats or {}).get("ports", {})
        if name not in p:
            raise AssertionError(f"stats have no port {name!r}: {sorted(p)}")
        return p[name]

    def where(self):
        d = self.dir if os.environ.get("TGW_KEEP") == "1" else "removed, TGW_KEEP=1 keeps it"
        return f"(run dir: {d}; stderr tail: {self.stderr.strip()[-600:]!r})"


def is_unsolicited(pkt):
    """Announcements a host may send by itself at start: gratuitous ARP, DAD, RS, MLD, unsolicited
    NA.  They are not wrong, and not what the tests look at."""
    if ARP in pkt:
        return pkt[ARP].psrc == pkt[ARP].pdst
    if IPv6 in pkt:
        ip6 = pkt[IPv6]
        if ip6.src == "::" and ICMPv6ND_NS in pkt:
            return True
        t = bytes(pkt[IPv6].payload)[:1]
        # hop-by-hop (MLD carries router alert) or ICMPv6 RS/MLD
        if ip6.nh == 0:
            return True
        if ip6.nh == 58 and t and t[0] in (130, 131, 132, 133, 143):
            return True
        if ICMPv6ND_NA in pkt and ip6.dst == "ff02::1" and not pkt[ICMPv6ND_NA].S:
            return True
    return False


def run(cfg, inputs=None, *, expect_exit=0, idle_exit=300, timeout=None, extra_args=(),
        check=True, tshark=True):
    """Run tungw on cfg with inputs {port name: [frames]}; return a Result.

    Ports without a "device" get net_pcap<i> with rx/tx pcaps in a fresh temporary
    directory.  With check (the default) the run must exit expect_exit, report 0 mbufs in use,
    write stats whose port counters match the pcaps, and give tshark-clean outputs."""
    global LAST
    cfg = copy.deepcopy(cfg)
    inputs = inputs or {}
    if timeout is None:
        timeout = float(os.environ.get("TGW_TIMEOUT", "60"))
    r = Result()
    LAST = r
    if not os.path.exists(tungw_bin()):
        raise AssertionError(f"tungw binary not found: {tungw_bin()}")
    r.dir = tempfile.mkdtemp(prefix="tgw-e2e-")
    try:
        _run_in(r, cfg, inputs, expect_exit, idle_exit, timeout, extra_args, check, tshark)
    finally:
        if os.environ.get("TGW_KEEP") != "1":
            shutil.rmtree(r.dir, ignore_errors=True)
    return r


def _run_in(r, cfg, inputs, expect_exit, idle_exit, timeout, extra_args, check, tshark):
    pcaps = {}
    for i, port in enumerate(cfg.get("ports", [])):
        name = port["name"]
        if "device" not in port:
            rx = os.path.join(r.dir, f"{name}_in.pcap")
            tx = os.path.join(r.dir, f"{name}_out.pcap")
            port["device"] = f"net_pcap{i},rx_pcap={rx},tx_pcap={tx}"
            write_pcap(rx, inputs.get(name, []))
            pcaps[name] = (rx, tx)
    unknown = set(inputs) - set(pcaps)
    if unknown:
        raise AssertionError(f"inputs for ports not in the config: {sorted(unknown)}")
    cfg_path = os.path.join(r.dir, "cfg.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f, indent=1)
    stats_path = os.path.join(r.dir, "stats.json")
    prefix = f"tgw{os.getpid()}_{next(_seq)}"
    r.cmd = [tungw_bin(), "-l", "0-1", "--no-huge", "-m", "1024", "--no-shconf", "--no-pci",
             "--file-prefix", prefix, "--log-level=*:warning", "--",
             "-c", cfg_path, "--idle-exit", str(idle_exit), "--stats-json", stats_path]
    r.cmd += list(extra_args)
    try:
        r.code, r.stdout, r.stderr = _spawn(r.cmd, timeout, r.dir)
    finally:
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    if os.path.exists(stats_path):
        with open(stats_path) as f:
            text = f.read()
        try:
            r.stats = json.loads(text)
        except ValueError as e:
            raise AssertionError(f"--stats-json output is not JSON ({e}): {text[:300]!r}")
    for name, (rx, tx) in pcaps.items():
        if os.path.exists(tx):
            r.raw[name] = read_pcap(tx)
            r.out[name] = [p for p in (Ether(b) for b in r.raw[name]) if not is_unsolicited(p)]
        elif check and expect_exit == 0:
            raise AssertionError(f"port {name}: no tx pcap written {r.where()}")
    if check:
        _check_run(r, expect_exit, inputs, pcaps, tshark)


def _spawn(cmd, timeout, cwd):
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=cwd, errors="replace")
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.terminate()
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        raise AssertionError(f"tungw did not exit within {timeout}s (SIGTERM sent; "
                             f"exit {p.returncode}); stdout tail {out[-400:]!r}, "
                             f"stderr tail {err[-400:]!r}")
    return p.returncode, out, err


MBUF_RE = re.compile(r"^tungw: mbufs in use at exit: (\d+)\s*$", re.M)


def _check_run(r, expect_exit, inputs, pcaps, tshark):
    if r.code != expect_exit:
        raise AssertionError(f"tungw exited {r.code}, expected {expect_exit} {r.where()}")
    if expect_exit != 0:
        return
    m = MBUF_RE.findall(r.stdout)
    if not m:
        raise AssertionError(f"stdout lacks 'tungw: mbufs in use at exit: N': "
                             f"{r.stdout.strip()[-400:]!r}")
    if int(m[-1]) != 0:
        raise AssertionError(f"mbuf leak: 'mbufs in use at exit: {m[-1]}' {r.where()}")
    if r.stats is None:
        raise AssertionError(f"no --stats-json file written {r.where()}")
    for key in ("ports", "tunnels", "drops"):
        if not isinstance(r.stats.get(key), dict):
            raise AssertionError(f"stats JSON lacks object {key!r}: {json.dumps(r.stats)[:300]}")
    for name in pcaps:
        st = r.port(name)
        sent_in = [bytes(x) for x in inputs.get(name, [])]
        want = {"rx_packets": len(sent_in), "rx_bytes": sum(map(len, sent_in)),
                "tx_packets": len(r.raw.get(name, [])),
                "tx_bytes": sum(map(len, r.raw.get(name, []))),
                "rx_missed": 0, "tx_dropped": 0}
        bad = {k: (st.get(k), v) for k, v in want.items() if st.get(k) != v}
        if bad:
            raise AssertionError(f"stats.ports.{name} disagree with the pcaps "
                                 f"(field: (stats, pcap)): {bad}")
    if tshark:
        # one tshark over every frame sent (it costs half a second per call)
        names = [n for n in pcaps if r.raw.get(n)]
        if names:
            merged = os.path.join(r.dir, "all_out.pcap")
            write_pcap(merged, [f for n in names for f in r.raw[n]])
            where = [f"{n} frame {i + 1}" for n in names for i in range(len(r.raw[n]))]
            tshark_check(merged, where)
    for name, frames in r.raw.items():
        for i, b in enumerate(frames):
            if len(b) < 14:
                raise AssertionError(f"port {name} sent a {len(b)}-byte frame (#{i + 1})")


# --------------------------------------------------------------------------- comparing

def _strip_pad(got, exp_len):
    if exp_len < len(got) <= 60 and not any(got[exp_len:]):
        return got[:exp_len]
    return got


def pkt_diff(got, exp):
    """A field-by-field account of how two frames differ."""
    g, e = Ether(got), Ether(exp)
    lines = [f"  got:      {g.summary()}", f"  expected: {e.summary()}"]
    lg, le = g, e
    depth = 0
    while lg is not None and le is not None and not isinstance(lg, scapy_nopayload()) \
            and not isinstance(le, scapy_nopayload()):
        if type(lg) is not type(le):
            lines.append(f"  layer {depth}: got {lg.name}, expected {le.name}")
            break
        if isinstance(lg, (Raw, Padding)):
            a, b = lg.load, le.load
            if a != b:
                i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]),
                         min(len(a), len(b)))
                lines.append(f"  {lg.name}: {len(a)} vs {len(b)} bytes, first difference at "
                             f"byte {i}: got {a[i:i + 8].hex()} expected {b[i:i + 8].hex()}")
        else:
            for f in lg.fields_desc:
                vg, ve = lg.getfieldval(f.name), le.getfieldval(f.name)
                if vg != ve:
                    lines.append(f"  {lg.name}.{f.name}: got {f.i2repr(lg, vg)}, "
                                 f"expected {f.i2repr(le, ve)}")
        lg, le = lg.payload, le.payload
        depth += 1
    if len(got) != len(exp):
        lines.append(f"  frame length: got {len(got)}, expected {len(exp)}")
    i = next((k for k in range(min(len(got), len(exp))) if got[k] != exp[k]), None)
    if i is not None:
        lines.append(f"  first differing byte at offset {i}")
    return "\n".join(lines)


def scapy_nopayload():
    from scapy.packet import NoPayload
    return NoPayload


def assert_pkt(got, exp, what="packet"):
    gb, eb = bytes(got), bytes(exp)
    gb = _strip_pad(gb, len(eb))
    if gb != eb:
        raise AssertionError(f"{what} differs from the expectation:\n{pkt_diff(gb, eb)}{_ctx()}")


def assert_pkts(got, exp, what="output", ordered=False):
    """got and exp are lists of frames; same number, each equal to its expectation (field by
    field on mismatch).  Unordered by default: each expected frame is matched to an equal one."""
    gb = [bytes(x) for x in got]
    eb = [bytes(x) for x in exp]
    if len(gb) != len(eb):
        gs = "\n    ".join(Ether(b).summary() for b in gb[:12]) or "(none)"
        es = "\n    ".join(Ether(b).summary() for b in eb[:12]) or "(none)"
        raise AssertionError(f"{what}: {len(gb)} frames, expected {len(eb)}\n  got:\n    {gs}\n"
                             f"  expected:\n    {es}{_ctx()}")
    if ordered:
        for i, (g, e) in enumerate(zip(gb, eb)):
            assert_pkt(g, e, f"{what} frame {i + 1}")
        return
    left = list(gb)
    missing = []
    for e in eb:
        for j, g in enumerate(left):
            if _strip_pad(g, len(e)) == e:
                del left[j]
                break
        else:
            missing.append(e)
    if missing:
        msgs = [f"{what}: {len(missing)} of {len(eb)} frames not as expected"]
        for g, e in zip(left, missing):
            msgs.append(pkt_diff(_strip_pad(g, len(e)), e))
        raise AssertionError("\n".join(msgs) + _ctx())


def assert_drops(r, want):
    """The run's "drops" must be exactly want (reason -> count); reasons absent from want must
    not occur.  A value may be a set of acceptable reasons: ({"a", "b"}, n)."""
    got = dict(r.drops)
    for reason, n in want.items():
        if isinstance(reason, frozenset):
            hit = [x for x in reason if x in got]
            if len(hit) != 1:
                raise AssertionError(f"drops: expected {n} under one of {sorted(reason)}, "
                                     f"got {got}")
            reason = hit[0]
        if got.get(reason) != n:
            raise AssertionError(f"drops[{reason!r}]: got {got.get(reason)}, expected {n}; "
                                 f"all drops: {got}")
        del got[reason]
    extra = {k: v for k, v in got.items() if v}
    if extra:
        raise AssertionError(f"unexpected drops {extra}; expected exactly {_fmt(want)}")
    zero = [k for k, v in got.items() if not v]
    if zero:
        raise AssertionError(f"drops holds reasons that did not occur (value 0): {zero}")


def _fmt(want):
    return {(("|".join(sorted(k))) if isinstance(k, frozenset) else k): v
            for k, v in want.items()}


def anyof(*reasons):
    return frozenset(reasons)


def assert_tunnel(r, name, **want):
    t = r.tunnel(name)
    bad = {k: (t.get(k), v) for k, v in want.items() if t.get(k) != v}
    if bad:
        raise AssertionError(f"stats.tunnels.{name} (field: (got, expected)): {bad}; all: {t}")


def assert_no_output(r, *ports):
    for p in ports or r.out:
        if r.out.get(p):
            raise AssertionError(f"port {p} sent {len(r.out[p])} frames, expected none:\n    " +
                                 "\n    ".join(x.summary() for x in r.out[p][:8]) + _ctx())


# --------------------------------------------------------------------------- packet builders

def lan_in(pkt):
    """A frame from the lan host to lan0."""
    return Ether(src=LAN_HOST_MAC, dst=LAN_MAC) / pkt


def wan_in(pkt, src=PEER_MAC):
    """A frame from the tunnel peer to wan0."""
    return Ether(src=src, dst=WAN_MAC) / pkt


def lan_out(pkt, dst=LAN_HOST_MAC):
    return Ether(src=LAN_MAC, dst=dst) / pkt


def wan_out(pkt, dst=PEER_MAC):
    return Ether(src=WAN_MAC, dst=dst) / pkt


def udp4(src=LAN_HOST4, dst=REMOTE4, size=100, ttl=64, tos=0, flags="DF", id=0x1234,
         sport=SPORT, dport=DPORT, fill=None):
    """An IPv4/UDP packet of exactly size bytes (IP total length)."""
    n = size - 28
    assert n >= 0
    payload = fill if fill is not None else _pattern(n)
    return IP(bytes(IP(src=src, dst=dst, ttl=ttl, tos=tos, flags=flags, id=id) /
                    UDP(sport=sport, dport=dport) / payload))


def udp6(src=LAN_HOST6, dst=REMOTE6, size=100, hlim=64, tc=0, fl=0, sport=SPORT, dport=DPORT,
         fill=None):
    """An IPv6/UDP packet of exactly size bytes (header included)."""
    n = size - 48
    assert n >= 0
    payload = fill if fill is not None else _pattern(n)
    return IPv6(bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl) /
                      UDP(sport=sport, dport=dport) / payload))


def _pattern(n, seed=0):
    return bytes((i * 7 + seed) & 0xff for i in range(n))


def fwd4(ip, dec=1):
    """ip as a router forwards it: TTL decremented, header checksum recomputed."""
    p = IP(bytes(ip))
    p.ttl -= dec
    p.chksum = None
    return IP(bytes(p))


def fwd6(ip6, dec=1):
    p = IPv6(bytes(ip6))
    p.hlim -= dec
    return IPv6(bytes(p))


def set_ecn4(ip, ecn):
    p = IP(bytes(ip))
    p.tos = (p.tos & 0xfc) | ecn
    p.chksum = None
    return IP(bytes(p))


def set_ecn6(ip6, ecn):
    p = IPv6(bytes(ip6))
    p.tc = (p.tc & 0xfc) | ecn
    return IPv6(bytes(p))


def ecn_encap(outer_tos, inner_tos):
    """The kernel's INET_ECN_encapsulate (RFC 6040 section 4.1, normal mode)."""
    inner_ecn = inner_tos & 3
    return (outer_tos & 0xfc) | (2 if inner_ecn == 3 else inner_ecn)


def encap_limit_opt(limit):
    """RFC 2473 4.1.1 Tunnel Encapsulation Limit in a destination options header, padded with
    PadN to 8 bytes, as Linux's ip6_tnl builds it."""
    return IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=4, optdata=bytes([limit])),
                                      PadN(optdata=b"\x00")])


def outer4(inner, src=WAN4, dst=PEER4, ttl=None, tos=0, flags="DF", id=0, proto=None):
    """An IPv4 outer header around inner (an IP or IPv6 packet)."""
    if ttl is None:
        ttl = inner.ttl if isinstance(inner, IP) else inner.hlim
    if proto is None:
        proto = 4 if isinstance(inner, IP) else 41
    return IP(bytes(IP(src=src, dst=dst, ttl=ttl, tos=tos, flags=flags, id=id, proto=proto) /
                    Raw(bytes(inner))))


def outer6(inner, src=WAN6, dst=PEER6, hlim=64, tc=0, fl=0, limit=4):
    """An IPv6 outer header (with the encapsulation limit option unless limit is None)."""
    nh = 4 if isinstance(inner, IP) else 41
    if limit is None:
        return IPv6(bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl, nh=nh) /
                          Raw(bytes(inner))))
    opt = bytes([nh, 0, 4, 1, limit, 1, 1, 0])
    return IPv6(bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl, nh=60) /
                      Raw(opt + bytes(inner))))


def icmp4_error(orig, type, code, src, dst, id=0, flags=0, **icmp_fields):
    """The ICMP error Linux sends about orig: TTL 64, TOS 0xc0 | orig's TOS bits (icmp_send),
    as much of orig as fits in 576 bytes.  id and flags come from the captured frame."""
    ob = bytes(orig)[:ICMP4_ERR_MAX]
    tos = 0xc0 | (IP(bytes(orig)).tos & 0x1e)
    return IP(bytes(IP(src=src, dst=dst, ttl=64, tos=tos, id=id, flags=flags) /
                    ICMP(type=type, code=code, **icmp_fields) / Raw(ob)))


def icmp6_error(orig, cls, src, dst, fl=0, **fields):
    ob = bytes(orig)[:ICMP6_ERR_MAX]
    return IPv6(bytes(IPv6(src=src, dst=dst, hlim=64, tc=0, fl=fl) / cls(**fields) / Raw(ob)))


def expect_count(frames, n, what):
    if len(frames) != n:
        raise AssertionError(f"{what}: {len(frames)} frames, expected {n}:\n    " +
                             "\n    ".join(f.summary() for f in frames[:10]) + _ctx())


def one(frames, what):
    """The single frame of frames, or a failure saying what was expected."""
    if len(frames) != 1:
        raise AssertionError(f"{what}: {len(frames)} frames, expected 1:\n    " +
                             "\n    ".join(f.summary() for f in frames[:10]) + _ctx())
    return frames[0]


def pick(frames, pred, what):
    """The single frame of frames satisfying pred."""
    m = [f for f in frames if pred(f)]
    if len(m) != 1:
        raise AssertionError(f"{what}: {len(m)} matching frames among {len(frames)}:\n    " +
                             "\n    ".join(f.summary() for f in frames[:10]) + _ctx())
    return m[0]


def main(ns):
    """Run the test_* functions of a module as a script: python3 test_x.py [name-substring]."""
    import traceback
    pat = sys.argv[1] if len(sys.argv) > 1 else ""
    npass = nfail = 0
    for name, fn in list(ns.items()):
        if name.startswith("test_") and callable(fn) and pat in name:
            t0 = time.time()
            try:
                ret = fn()
            except Exception:
                nfail += 1
                print(f"FAIL {name} ({time.time() - t0:.1f}s)\n{traceback.format_exc()}")
                continue
            for sub, err in (ret if isinstance(ret, list) else [(None, None)]):
                label = f"{name}[{sub}]" if sub else name
                if err:
                    nfail += 1
                    print(f"FAIL {label}: {err}")
                else:
                    npass += 1
                    print(f"PASS {label} ({time.time() - t0:.1f}s)")
    print(f"{npass} passed, {nfail} failed")
    sys.exit(1 if nfail else 0)
