"""Interop with DPDK's own IPsec gateway, ipsec-secgw (examples/ipsec-secgw of DPDK 22.11): ESP
tunnel mode, AES-GCM-128 and AES-CBC + HMAC-SHA1-96, both directions, through pcap files.

ipsec-secgw is built from the dpdk-doc example sources by tests/interop/build_secgw.sh (into
build/secgw; one small patch so that it accepts net_pcap ports, see that script and
docs/interop.md).  It runs on net_pcap ports with the crypto_aesni_mb virtual crypto device
(intel-ipsec-mb, as tungw itself), as the tunnel peer of tungw's vti:

    tungw (vti1, key 5)                                     ipsec-secgw
    lan0 10.1.0.1/24    wan0 192.0.2.1  <---- ESP ---->  port 0 192.0.2.2    port 1
    10.1.0.2 (host)     SA 0x1001 out, 0x2001 in         SA 0x2001 out,      10.2.0.0/24
                                                         0x1001 in           (protected)

For each algorithm and each of ipsec-secgw's three software paths ("legacy": its own ESP code,
lookaside-none; "libipsec": librte_ipsec (-l), lookaside-none; "cpu-crypto": librte_ipsec with
SA type cpu-crypto, the crypto run synchronously on the lcore), three runs:

  1. tungw encrypts clear packets from lan0 (10.1.0.2 -> 10.2.0.5) into ESP on wan0;
  2. ipsec-secgw, in one run, decrypts tungw's ESP (unprotected port 0 -> port 1) and encrypts
     its own clear packets (10.2.0.5 -> 10.1.0.2, protected port 1 -> ESP on port 0);
  3. tungw decrypts ipsec-secgw's ESP on wan0 and routes the inner packets to lan0.

Sub-results per algorithm and path: "tungw->secgw" (ipsec-secgw's clear output equals the
packets tungw was given: same count, byte for byte, TTL lowered once per router on the way)
and "secgw->tungw" (the same for tungw's lan0 output; tungw's SA counted every packet and
nothing was dropped).  The packets: UDP of every length from 60 to 75 bytes (so every CBC
padding length 0..15 occurs), UDP of 512, 1000 and 1400 bytes, a TCP segment and an ICMP echo.

ipsec-secgw forwards like a router: its legacy path decrements the inner TTL on both encap and
decap (ipip.h), its librte_ipsec paths do not; the expectations say so explicitly.

No skip: a machine where ipsec-secgw cannot be built (no dpdk-doc, no libdpdk-dev) or
crypto_aesni_mb is missing FAILS with the reason.

Run alone:  /usr/bin/python3 tests/interop/test_secgw.py [name-substring]
Environment: TUNGW_BIN (default build/app/tungw/tungw), SECGW_BUILD (the build directory
build_secgw.sh is given; default build), TGW_KEEP=1 keeps the run directories.
"""

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import tgw  # noqa: E402
from tgw import (ICMP, IP, TCP, LAN_HOST4, PEER4, REMOTE4, WAN4, WAN_MAC, Ether,  # noqa: E402
                 Raw, assert_drops, assert_pkts, assert_tunnel, lan_in, lan_out, udp4)
from scapy.layers.ipsec import ESP  # noqa: E402

BUILD_SCRIPT = os.path.join(HERE, "build_secgw.sh")
CFG_TEMPLATE = os.path.join(HERE, "secgw", "gateway.cfg.in")

KEY = 5                              # tungw's vti key = the mark of its policies
SPI_OUT, SPI_IN = 0x1001, 0x2001     # tungw -> secgw, secgw -> tungw
SECGW_HOST_MAC = "02:00:00:00:03:02"  # the host behind ipsec-secgw's protected port 1
SECGW_NET, TGW_NET = "10.2.0.0/24", "10.1.0.0/24"

START_TIMEOUT = 20      # ipsec-secgw: telemetry socket up
DRAIN_TIMEOUT = 15      # every input packet received and the output settled
STOP_TIMEOUT = 15       # gone after SIGINT


def _key(n, seed):
    return bytes((seed + 5 * i) & 0xff for i in range(n))


# name: (tungw xfrm state algorithms, ipsec-secgw SA algorithm tokens)
ALGS = {
    "gcm128": ({"aead": {"name": "rfc4106(gcm(aes))", "key": _key(20, 0x31),
                         "icv_bits": 128}},
               "aead_algo aes-128-gcm aead_key {}".format(
                   ":".join("%02x" % b for b in _key(20, 0x31)))),
    "cbc-sha1": ({"enc": {"name": "cbc(aes)", "key": _key(16, 0x42)},
                  "auth": {"name": "hmac(sha1)", "key": _key(20, 0x53), "trunc_bits": 96}},
                 "cipher_algo aes-128-cbc cipher_key {} auth_algo sha1-hmac auth_key {}".format(
                     ":".join("%02x" % b for b in _key(16, 0x42)),
                     ":".join("%02x" % b for b in _key(20, 0x53)))),
}

# ipsec-secgw path: (its options, SA rule suffix, inner TTL decrement per pass through it)
PATHS = {
    "legacy": ([], "", 1),
    "libipsec": (["-l"], "", 0),
    "cpu-crypto": (["-l"], " type cpu-crypto", 0),
}

_seq = itertools.count()
_BIN = {}


# --------------------------------------------------------------------------- ipsec-secgw

def secgw_bin():
    """Build ipsec-secgw (once per process; the script itself is quick when up to date and
    serialises concurrent builds) and return its path, or fail saying why."""
    if "path" not in _BIN:
        build = os.environ.get("SECGW_BUILD") or os.path.join(REPO, "build")
        p = subprocess.run(["bash", BUILD_SCRIPT, build], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, errors="replace", timeout=600)
        if p.returncode != 0:
            why = (p.stderr or p.stdout).strip()[-1500:]
            raise AssertionError("ipsec-secgw cannot be built (tests/interop/build_secgw.sh "
                                 f"exited {p.returncode}):\n{why}")
        _BIN["path"] = p.stdout.strip().splitlines()[-1]
    return _BIN["path"]


def secgw_config(alg, path):
    """ipsec-secgw as tungw's peer: local 192.0.2.2, protecting 10.2.0.0/24."""
    with open(CFG_TEMPLATE) as f:
        tmpl = f.read()
    return tmpl.format(local=PEER4, remote=WAN4, local_net=SECGW_NET, remote_net=TGW_NET,
                       spi_out=SPI_IN, spi_in=SPI_OUT, algo=ALGS[alg][1],
                       sa_extra=PATHS[path][1], wan_port=0, lan_port=1, remote_mac=WAN_MAC,
                       host_mac=SECGW_HOST_MAC)


def _runtime_dir(prefix):
    base = "/var/run/dpdk" if os.geteuid() == 0 else os.path.join(
        os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix)


class Telemetry:
    """A client of the DPDK telemetry socket (what dpdk-telemetry.py speaks)."""

    def __init__(self, prefix):
        self.path = os.path.join(_runtime_dir(prefix), "dpdk_telemetry.v2")
        self.sock = None

    def connect(self, proc, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end and proc.poll() is None:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                s.settimeout(2.0)
                s.connect(self.path)
                info = json.loads(s.recv(4096))
                if info.get("pid") == proc.pid:
                    self.sock = s
                    return True
                s.close()
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        return False

    def stats(self, port):
        self.sock.send(("/ethdev/stats,%d" % port).encode())
        return json.loads(self.sock.recv(1 << 16))["/ethdev/stats"]

    def close(self):
        if self.sock:
            self.sock.close()


class SecgwRun:
    def __init__(self):
        self.code = None
        self.log = ""
        self.out = {}       # port -> [bytes] sent
        self.stats = {}     # port -> /ethdev/stats at the end
        self.dir = None
        self.cmd = None

    def where(self):
        lines = [ln for ln in self.log.splitlines() if ln.strip()]
        return f"(ipsec-secgw log tail: {lines[-12:]!r})"


def run_secgw(cfg_text, inputs, extra_args=(), expect_out=None):
    """Run ipsec-secgw on two net_pcap ports (port 0 unprotected, port 1 protected) with
    inputs {port: [frames]}, until every input frame has been received and the outputs reach
    expect_out {port: count} (or settle for 0.5 s), then stop it with SIGINT."""
    r = SecgwRun()
    r.dir = tempfile.mkdtemp(prefix="tgw-secgw-")
    prefix = f"sgw{os.getpid()}_{next(_seq)}"
    try:
        _run_secgw_in(r, prefix, cfg_text, inputs, list(extra_args), expect_out or {})
    finally:
        shutil.rmtree(_runtime_dir(prefix), ignore_errors=True)
        if os.environ.get("TGW_KEEP") != "1":
            shutil.rmtree(r.dir, ignore_errors=True)
    return r


def _run_secgw_in(r, prefix, cfg_text, inputs, extra_args, expect_out):
    cfg = os.path.join(r.dir, "secgw.cfg")
    with open(cfg, "w") as f:
        f.write(cfg_text)
    vdevs = []
    for port in (0, 1):
        rx = os.path.join(r.dir, f"p{port}_in.pcap")
        tx = os.path.join(r.dir, f"p{port}_out.pcap")
        tgw.write_pcap(rx, inputs.get(port, []))
        vdevs += ["--vdev", f"net_pcap{port},rx_pcap={rx},tx_pcap={tx}"]
    # -l 1: one lcore, which runs the poll loop (secgw gives each lcore a TX queue on every
    # port and net_pcap has one per tx_pcap)
    r.cmd = ([secgw_bin(), "-l", "1", "--no-huge", "-m", "1024", "--no-shconf", "--no-pci",
              "--file-prefix", prefix] + vdevs + ["--vdev", "crypto_aesni_mb0", "--",
             "-p", "0x3", "-P", "-u", "0x1", "--config", "(0,0,1),(1,0,1)", "-f", cfg] +
             extra_args)
    logp = os.path.join(r.dir, "secgw.log")
    with open(logp, "w") as lf:
        proc = subprocess.Popen(r.cmd, stdin=subprocess.DEVNULL, stdout=lf,
                                stderr=subprocess.STDOUT)
    tel = Telemetry(prefix)
    err = None
    try:
        if not tel.connect(proc, START_TIMEOUT):
            err = ("exited with status %s at start-up" % proc.returncode
                   if proc.poll() is not None else "no telemetry socket at " + tel.path)
        else:
            err = _drain(r, proc, tel, inputs, expect_out)
    finally:
        tel.close()
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                err = err or f"did not stop within {STOP_TIMEOUT}s of SIGINT"
        r.code = proc.returncode
        with open(logp, errors="replace") as f:
            r.log = f.read()
    if err:
        raise AssertionError(f"ipsec-secgw: {err} {r.where()}")
    if r.code != 0:
        raise AssertionError(f"ipsec-secgw exited {r.code} after SIGINT {r.where()}")
    for port in (0, 1):
        r.out[port] = tgw.read_pcap(os.path.join(r.dir, f"p{port}_out.pcap"))
        if len(r.out[port]) != r.stats[port]["opackets"]:
            raise AssertionError(f"ipsec-secgw port {port}: {len(r.out[port])} frames in the "
                                 f"tx pcap, opackets {r.stats[port]['opackets']}")


def _drain(r, proc, tel, inputs, expect_out):
    """Poll the port counters: all input received, then the outputs at their expected
    counts (or unchanged for 0.5 s, when something went missing)."""
    end = time.monotonic() + DRAIN_TIMEOUT
    last, since = None, time.monotonic()
    while time.monotonic() < end:
        if proc.poll() is not None:
            return f"exited with status {proc.returncode} while forwarding"
        try:
            st = {p: tel.stats(p) for p in (0, 1)}
        except (OSError, ValueError, KeyError) as e:
            return f"telemetry /ethdev/stats: {e!r}"
        r.stats = st
        rx_done = all(st[p]["ipackets"] >= len(inputs.get(p, [])) for p in (0, 1))
        out = tuple(st[p]["opackets"] for p in (0, 1))
        if out != last:
            last, since = out, time.monotonic()
        if rx_done:
            if all(st[p]["opackets"] >= n for p, n in expect_out.items()):
                time.sleep(0.1)     # anything beyond the expectation shows up too
                r.stats = {p: tel.stats(p) for p in (0, 1)}
                return None
            if time.monotonic() - since > 0.5:
                return None
        time.sleep(0.05)
    return (f"not drained within {DRAIN_TIMEOUT}s: port stats "
            f"{ {p: (s.get('ipackets'), s.get('opackets')) for p, s in r.stats.items()} }, "
            f"inputs { {p: len(f) for p, f in inputs.items()} }")


# --------------------------------------------------------------------------- tungw

def _hexkeys(algs):
    out = {}
    for k, v in algs.items():
        v = dict(v)
        v["key"] = "0x" + v["key"].hex()
        out[k] = v
    return out


def tungw_config(alg):
    """lan0/wan0 (tests/e2e/tgw.py) with vti1 key 5 to ipsec-secgw at 192.0.2.2, its SAs and
    policies as the kernel docs' VTI example, 10.2.0.0/24 routed into it."""
    t = {"name": "vti1", "type": "vti", "key": KEY, "local": WAN4, "remote": PEER4,
         "addresses": ["10.0.0.1/30"]}
    states = []
    for src, dst, spi in ((WAN4, PEER4, SPI_OUT), (PEER4, WAN4, SPI_IN)):
        s = {"src": src, "dst": dst, "proto": "esp", "spi": spi, "mode": "tunnel"}
        s.update(_hexkeys(ALGS[alg][0]))
        states.append(s)
    pols = [{"dir": d, "mark": KEY, "tmpl": [{"src": a, "dst": b, "proto": "esp",
                                              "mode": "tunnel"}]}
            for d, a, b in (("in", PEER4, WAN4), ("out", WAN4, PEER4))]
    c = tgw.base_config(tunnels=[t], routes=[{"dst": SECGW_NET, "dev": "vti1"}])
    c["xfrm"] = {"states": states, "policies": pols}
    return c


# --------------------------------------------------------------------------- packets

def inner_packets(src, dst):
    """UDP of 60..75 bytes (every CBC pad length), of 512, 1000 and 1400 bytes, TCP, ICMP."""
    pk = [udp4(src=src, dst=dst, size=60 + i, id=0x100 + i, sport=40000 + i) for i in range(16)]
    pk += [udp4(src=src, dst=dst, size=n, id=0x200 + n % 256) for n in (512, 1000, 1400)]
    pk.append(IP(bytes(IP(src=src, dst=dst, ttl=64, id=0x300, flags="DF") /
                       TCP(sport=43210, dport=443, flags="PA", seq=1, ack=1) /
                       Raw(bytes(range(200))))))
    pk.append(IP(bytes(IP(src=src, dst=dst, ttl=64, id=0x301) / ICMP(id=7, seq=1) /
                       Raw(b"tungw-secgw" * 5))))
    return pk


def ttl_minus(ip, n):
    p = IP(bytes(ip))
    p.ttl -= n
    p.chksum = None
    return IP(bytes(p))


# --------------------------------------------------------------------------- the cases

def _case(alg):
    res = []
    for path, (sgw_args, _, sgw_dec) in PATHS.items():
        res += _case_path(alg, path, sgw_args, sgw_dec)
    return res


def _case_path(alg, path, sgw_args, sgw_dec):
    name_out, name_in = f"{path}: tungw->secgw", f"{path}: secgw->tungw"
    to_secgw = inner_packets(LAN_HOST4, REMOTE4)      # through tungw, then ipsec-secgw
    to_tungw = inner_packets(REMOTE4, LAN_HOST4)      # through ipsec-secgw, then tungw
    n = len(to_secgw)
    # 1. tungw encrypts
    try:
        r1 = tgw.run(tungw_config(alg), {"lan0": [lan_in(p) for p in to_secgw]})
        esp = r1.raw.get("wan0", [])
        assert len(esp) == n, f"tungw sent {len(esp)} ESP frames for {n} packets"
        for f in esp:
            e = Ether(f)
            assert ESP in e and e[ESP].spi == SPI_OUT and e[IP].dst == PEER4, \
                f"tungw output is not ESP SPI {SPI_OUT:#x} to {PEER4}: {e.summary()}"
    except AssertionError as e:
        return [(name_out, f"tungw encrypting: {e}"),
                (name_in, "not run: ipsec-secgw was not reached")]
    # 2. ipsec-secgw decrypts tungw's ESP and encrypts its own clear packets
    sgw_in = {0: esp,
              1: [Ether(src=SECGW_HOST_MAC, dst="02:00:00:00:03:01") / p for p in to_tungw]}
    try:
        r2 = run_secgw(secgw_config(alg, path), sgw_in, sgw_args, {0: n, 1: n})
    except AssertionError as e:
        return [(name_out, str(e)), (name_in, "not run: ipsec-secgw failed")]
    res = [(name_out, _check_secgw_clear(r2, to_secgw, sgw_dec))]
    # 3. tungw decrypts ipsec-secgw's ESP
    res.append((name_in, _check_tungw_decap(alg, r2, to_tungw, sgw_dec)))
    return res


def _check_secgw_clear(r2, sent, sgw_dec):
    """ipsec-secgw's port 1: the packets tungw encrypted, TTL lowered by tungw and secgw."""
    try:
        got = [Ether(f) for f in r2.out[1]]
        src = got[0].src if got else "00:00:00:00:00:00"     # net_pcap's own address
        assert_pkts(got, [Ether(src=src, dst=SECGW_HOST_MAC) / ttl_minus(p, 1 + sgw_dec)
                          for p in sent], "ipsec-secgw's decrypted output (port 1)")
        return None
    except AssertionError as e:
        return str(e)


def _check_tungw_decap(alg, r2, sent, sgw_dec):
    n = len(sent)
    try:
        esp = r2.out[0]
        assert len(esp) == n, f"ipsec-secgw sent {len(esp)} ESP frames for {n} packets"
        seqs = []
        for f in esp:
            e = Ether(f)
            assert e.dst == WAN_MAC and ESP in e and e[ESP].spi == SPI_IN and \
                (e[IP].src, e[IP].dst) == (PEER4, WAN4), \
                f"ipsec-secgw output is not ESP SPI {SPI_IN:#x} {PEER4} > {WAN4}: {e.summary()}"
            seqs.append(e[ESP].seq)
        assert sorted(seqs) == list(range(1, n + 1)), f"ipsec-secgw ESP sequence numbers {seqs}"
        r3 = tgw.run(tungw_config(alg), {"wan0": esp})
        assert_pkts(r3.out.get("lan0", []), [lan_out(ttl_minus(p, 1 + sgw_dec)) for p in sent],
                    "tungw's decrypted output (lan0)")
        assert_drops(r3, {})
        assert_tunnel(r3, "vti1", decap_packets=n, decap_bytes=sum(len(p) for p in sent))
        sa = r3.stats.get("sas", {}).get(f"0x{SPI_IN:08x}")
        assert sa and sa["packets"] == n and sa["auth_failed"] == 0 and sa["replay"] == 0, \
            f"tungw SA 0x{SPI_IN:08x} counters: {sa}"
        return None
    except AssertionError as e:
        return str(e)


def test_secgw_gcm128():
    """AES-GCM-128 (rfc4106, 16-byte ICV) both ways, ipsec-secgw's three software paths."""
    return _case("gcm128")


def test_secgw_cbc_sha1():
    """AES-128-CBC + HMAC-SHA1-96 both ways, ipsec-secgw's three software paths."""
    return _case("cbc-sha1")


if __name__ == "__main__":
    tgw.main(globals())
