"""Live interop with the Linux kernel's VXLAN: tungw on net_af_packet veths, the kernel as the
far end, ping through the tunnel in both directions.

Topology of one case (three network namespaces; the root namespace is not touched):

    ns <case>-lan                 ns <case>-gw (tungw)                     ns <case>-ul
    lan-veth  <------->  tgw-lan = lan0 --br0-- vx0    wan0 = tgw-ul  <------->  ul-veth
    LAN host               (bridge member, L2)   (vxlan, id VNI)  (underlay addr)   kernel VTEP
    10.50.0.1/24                                                                   vx0: kernel vxlan
                                                                                   10.50.0.2/24

The LAN host and the kernel's vx0 share one L2 segment stretched by tungw's bridge over
VXLAN: the LAN host's ARP goes through tungw's flood into the tunnel, the kernel answers,
tungw resolves the kernel VTEP with ARP / ND and the kernel resolves tungw's wan0 address the
same way.  Each case checks, as sub-results: ping (small and at the tunnel MTU) from the LAN
host to the kernel's host and back the other way, tungw's final counters (vxlan encap and
decap > 0, no drop but ARP/ND replies consumed, clean exit, no mbuf leaked), and the wire
(a capture of the underlay: tshark finds no malformed packet and no bad checksum; tungw's
VXLAN headers carry the VNI, the I flag, dstport, a source port in 32768-60999, TTL 64, DF
unset, the UDP checksum of the configuration).

Cases: "v4" (IPv4 underlay, defaults), "v4csum" (IPv4 underlay, dstport 8472, tungw with
udpcsum and the kernel with noudpcsum: the non-default checksum in both directions), "v6"
(IPv6 underlay, IPv4 and IPv6 inside).  GENEVE would be the same test, but these kernels
have no geneve module (`ip link add type geneve` -> "Unknown device type").

Needs root and the kernel's vxlan, veth and netns support: a machine without them FAILS
(the suite is part of `make test`), with a message saying what is missing.

Notes on veths: a kernel that sends through a veth hands the peer CHECKSUM_PARTIAL
frames, whose UDP checksum field holds only the pseudo-header sum; a packet socket
(net_af_packet) sees them as they are, so TX checksum offload is turned off on the kernel's
veths (`ethtool -K ... tx off`, done by nsutil.py tx-csum-off).  IPv6 is disabled where it
is not used and DAD / router solicitations are off where it is, so that nothing but the test
traffic reaches tungw.

Run alone:  /usr/bin/python3 tests/interop/test_kernel_vxlan.py [case-substring]
Environment: TUNGW_BIN (default build/app/tungw/tungw), TGW_KEEP=1 keeps the run directory
(config, tungw log, stats, capture).
"""

import atexit
import contextlib
import fcntl
import glob
import ipaddress
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import tgw  # noqa: E402  (tungw_bin, tshark_check)
from scapy.all import IP, UDP, Ether, IPv6, rdpcap  # noqa: E402

PY = "/usr/bin/python3"
NSUTIL = os.path.join(HERE, "nsutil.py")

TGW_UL_MAC = "02:77:00:00:00:01"   # tgw-ul: tungw's wan0
K_UL_MAC = "02:77:00:00:00:02"     # ul-veth: the kernel VTEP's underlay
TGW_LAN_MAC = "02:50:00:00:00:fe"  # tgw-lan: tungw's lan0 (bridge member)
LAN_MAC = "02:50:00:00:00:01"      # lan-veth: the LAN host
K_VX_MAC = "02:50:00:00:00:02"     # vx0: the kernel's host behind VXLAN

START_TIMEOUT = 30      # tungw up ("running")
STOP_TIMEOUT = 30       # tungw gone after SIGINT
SAFETY_DURATION = 180   # --duration: tungw stops by itself even if this process dies
PING_WAIT = 3.0         # seconds per echo reply (the first one waits for ARP/ND twice)

# Drops that are not errors here: tungw resolves the kernel VTEP and consumes the ARP reply
# or Neighbour Advertisement.  Besides, the kernel sends unsolicited MLD reports when ul-veth
# comes up (IPv6 underlay), which tungw (no MLD) counts as icmp_ignored: allowed up to the
# number of MLD reports the capture holds.
EXPECTED_DROPS = {"arp_ignored", "nd_ignored"}

CASES = {
    "v4": {
        "ul": ("192.168.77.1", "192.168.77.2", 24), "vni": 42, "dstport": 4789,
        "overlay": [("10.50.0.1", "10.50.0.2", 24)],
        "kernel_opts": [], "tgw_opts": {},
    },
    "v4csum": {
        "ul": ("192.168.78.1", "192.168.78.2", 24), "vni": 0xabcdef, "dstport": 8472,
        "overlay": [("10.51.0.1", "10.51.0.2", 24)],
        "kernel_opts": ["noudpcsum"], "tgw_opts": {"udpcsum": True},
    },
    "v6": {
        "ul": ("fd00:77::1", "fd00:77::2", 64), "vni": 4242, "dstport": 4789,
        "overlay": [("10.52.0.1", "10.52.0.2", 24), ("fd00:52::1", "fd00:52::2", 64)],
        "kernel_opts": [], "tgw_opts": {},
    },
}


# --------------------------------------------------------------------------- shell helpers

def sh(*cmd, check=True, timeout=30, ns=None):
    """Run a command (in namespace ns); return CompletedProcess, raise with its output."""
    cmd = [str(c) for c in cmd]
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       errors="replace", timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"`{' '.join(cmd)}` exited {p.returncode}: "
                             f"{(p.stderr or p.stdout).strip()}")
    return p


def ns_names(case):
    return {k: f"tgwi-{case}-{k}" for k in ("ul", "lan", "gw")}


def cleanup_namespaces(case):
    """Delete the case's namespaces (and with them every veth and vxlan device in them).
    Processes still inside them (a tungw or dumpcap of a run that was killed) are stopped
    first: a namespace lives on, unnamed, as long as a process is in it."""
    existing = [ns for ns in ns_names(case).values() if os.path.exists(f"/run/netns/{ns}")]
    pids = set()
    for ns in existing:
        p = subprocess.run(["ip", "netns", "pids", ns], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30)
        pids |= {int(x) for x in p.stdout.split() if x.isdigit()}
    for sig, wait in ((signal.SIGINT, 10), (signal.SIGKILL, 5)):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        t_end = time.time() + wait
        while pids and time.time() < t_end:
            pids = {pid for pid in pids if os.path.exists(f"/proc/{pid}")
                    and _state(pid) != "Z"}
            time.sleep(0.05)
    for ns in existing:
        subprocess.run(["ip", "netns", "del", ns], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30)
    # DPDK runtime directories (--file-prefix tgwi_<case>_<pid>) of this case's runs
    for d in glob.glob(f"/var/run/dpdk/tgwi_{case}_*"):
        shutil.rmtree(d, ignore_errors=True)


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def stop(p, sig=signal.SIGINT, timeout=STOP_TIMEOUT):
    """Stop a process this test started (by its pid): sig, then SIGKILL."""
    if p is None or p.poll() is not None:
        return
    try:
        p.send_signal(sig)
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(timeout=10)
    except ProcessLookupError:
        pass


def require_capabilities():
    """Fail (not skip) with what is missing: root, netns, veth, vxlan."""
    if os.geteuid() != 0:
        raise AssertionError("the interop tests need root (network namespaces, veth, vxlan): "
                             f"running as uid {os.geteuid()}")
    for tool in ("ip", "dumpcap", "tshark"):
        if shutil.which(tool) is None:
            raise AssertionError(f"the interop tests need `{tool}` (iproute2, tshark); "
                                 "`make deps` installs them")
    probe = f"tgwi-probe{os.getpid()}"
    try:
        p = sh("ip", "netns", "add", probe, check=False)
        if p.returncode != 0:
            raise AssertionError(f"cannot create a network namespace: {p.stderr.strip()}")
        for what, cmd in (("veth", ["type", "veth", "peer", "name", "pv1"]),
                          ("vxlan", ["type", "vxlan", "id", "1", "dstport", "4789",
                                     "local", "127.0.0.1"])):
            p = sh("ip", "-n", probe, "link", "add", "pv0", *cmd, check=False)
            if p.returncode != 0:
                raise AssertionError(f"this kernel cannot create a {what} device "
                                     f"(`ip link add ... type {what}`: {p.stderr.strip()}); "
                                     f"the interop tests need CONFIG_{what.upper()}")
            sh("ip", "-n", probe, "link", "del", "pv0")
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)


@contextlib.contextmanager
def case_lock(case):
    """Serialise runs of the same case (fixed namespace names) across processes."""
    os.makedirs("/run/lock", exist_ok=True)
    with open(f"/run/lock/tungw-interop-{case}.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- topology

def sysctls(ns, ipv6):
    """No IPv6 at all, or IPv6 without DAD, router solicitations and RAs."""
    if not ipv6:
        kv = {"net.ipv6.conf.all.disable_ipv6": 1, "net.ipv6.conf.default.disable_ipv6": 1}
    else:
        kv = {}
        for c in ("all", "default"):
            kv.update({f"net.ipv6.conf.{c}.disable_ipv6": 0, f"net.ipv6.conf.{c}.accept_dad": 0,
                       f"net.ipv6.conf.{c}.dad_transmits": 0,
                       f"net.ipv6.conf.{c}.router_solicitations": 0,
                       f"net.ipv6.conf.{c}.accept_ra": 0})
    sh("sysctl", "-q", "-w", *[f"{k}={v}" for k, v in kv.items()], ns=ns)


def setup_topology(case, c):
    ns = ns_names(case)
    tgw_ul, k_ul, plen = c["ul"]
    ul6 = ":" in tgw_ul
    ov6 = any(":" in a for a, _, _ in c["overlay"])
    for n in ns.values():
        sh("ip", "netns", "add", n)
        sh("ip", "-n", n, "link", "set", "lo", "up")
    # the gateway's namespace never speaks itself; the kernel sides speak what they need
    sysctls(ns["gw"], False)
    sysctls(ns["ul"], ul6 or ov6)
    sysctls(ns["lan"], ov6)
    sh("ip", "-n", ns["gw"], "link", "add", "tgw-ul", "address", TGW_UL_MAC, "type", "veth",
       "peer", "name", "ul-veth", "address", K_UL_MAC, "netns", ns["ul"])
    sh("ip", "-n", ns["gw"], "link", "add", "tgw-lan", "address", TGW_LAN_MAC, "type", "veth",
       "peer", "name", "lan-veth", "address", LAN_MAC, "netns", ns["lan"])
    for dev in ("tgw-ul", "tgw-lan"):
        sh("sysctl", "-q", "-w", f"net.ipv6.conf.{dev}.disable_ipv6=1", ns=ns["gw"])
        sh("ip", "-n", ns["gw"], "link", "set", dev, "up")
    # the kernel computes its checksums itself (see the module docstring)
    sh(PY, NSUTIL, "tx-csum-off", "ul-veth", ns=ns["ul"])
    sh(PY, NSUTIL, "tx-csum-off", "lan-veth", ns=ns["lan"])

    # underlay and the kernel's VTEP
    sh("ip", "-n", ns["ul"], "link", "set", "ul-veth", "up")
    sh("ip", "-n", ns["ul"], "addr", "add", f"{k_ul}/{plen}", "dev", "ul-veth",
       *(["nodad"] if ul6 else []))
    sh("ip", "-n", ns["ul"], "link", "add", "vx0", "address", K_VX_MAC, "type", "vxlan",
       "id", c["vni"], "remote", tgw_ul, "local", k_ul, "dstport", c["dstport"],
       "dev", "ul-veth", *c["kernel_opts"])
    sh("ip", "-n", ns["ul"], "link", "set", "vx0", "up")
    vx_mtu = int(open_sysfs(ns["ul"], "vx0", "mtu"))
    for lan_a, k_a, pl in c["overlay"]:
        extra = ["nodad"] if ":" in k_a else []
        sh("ip", "-n", ns["ul"], "addr", "add", f"{k_a}/{pl}", "dev", "vx0", *extra)
    # the LAN host, with the MTU of the tunnel it is bridged into
    sh("ip", "-n", ns["lan"], "link", "set", "lan-veth", "mtu", vx_mtu, "up")
    for lan_a, k_a, pl in c["overlay"]:
        extra = ["nodad"] if ":" in lan_a else []
        sh("ip", "-n", ns["lan"], "addr", "add", f"{lan_a}/{pl}", "dev", "lan-veth", *extra)
    return vx_mtu


def open_sysfs(ns, dev, attr):
    return sh("cat", f"/sys/class/net/{dev}/{attr}", ns=ns).stdout.strip()


def tungw_config(c):
    tgw_ul, k_ul, plen = c["ul"]
    tun = {"name": "vx0", "type": "vxlan", "id": c["vni"], "remote": k_ul, "local": tgw_ul}
    if c["dstport"] != 4789:
        tun["dstport"] = c["dstport"]
    tun.update(c["tgw_opts"])
    return {
        "ports": [
            {"name": "wan0", "device": "net_af_packet0,iface=tgw-ul",
             "addresses": [f"{tgw_ul}/{plen}"]},
            {"name": "lan0", "device": "net_af_packet1,iface=tgw-lan"},
        ],
        "tunnels": [tun],
        "bridges": [{"name": "br0", "members": ["lan0", "vx0"]}],
    }


# --------------------------------------------------------------------------- running tungw

def start_tungw(ns, tmp, prefix):
    cmd = ["ip", "netns", "exec", ns, tgw.tungw_bin(), "-l", "0-1", "--no-huge", "-m", "1024",
           "--no-shconf", "--no-pci", "--file-prefix", prefix, "--log-level=*:warning", "--",
           "-c", "cfg.json", "--duration", str(SAFETY_DURATION), "--stats-json", "stats.json"]
    log = open(os.path.join(tmp, "tungw.log"), "w")
    p = subprocess.Popen(cmd, cwd=tmp, stdin=subprocess.DEVNULL, stdout=log,
                         stderr=subprocess.STDOUT)
    log.close()
    t_end = time.time() + START_TIMEOUT
    while time.time() < t_end:
        if "running" in read(tmp, "tungw.log"):
            return p
        if p.poll() is not None:
            raise AssertionError(f"tungw exited {p.returncode} before running:\n"
                                 f"{read(tmp, 'tungw.log')[-2000:]}")
        time.sleep(0.05)
    stop(p)
    raise AssertionError(f"tungw not running after {START_TIMEOUT}s:\n"
                         f"{read(tmp, 'tungw.log')[-2000:]}")


def start_capture(ns, dev, tmp):
    """dumpcap on the underlay, from before the first packet.  On the kernel's end (ul-veth):
    net_af_packet sends with PACKET_QDISC_BYPASS (its default qdisc_bypass=1), which skips
    the taps, so a capture on tungw's own end (tgw-ul) would not see what tungw sends."""
    path = os.path.join(tmp, "underlay.pcapng")
    err = open(os.path.join(tmp, "dumpcap.log"), "w")
    p = subprocess.Popen(["ip", "netns", "exec", ns, "dumpcap", "-q", "-i", dev,
                          "-w", path], stdin=subprocess.DEVNULL, stdout=err,
                         stderr=subprocess.STDOUT)
    err.close()
    t_end = time.time() + 15
    while time.time() < t_end:
        if "Capturing on" in read(tmp, "dumpcap.log"):
            return p, path
        if p.poll() is not None:
            break
        time.sleep(0.05)
    stop(p)
    raise AssertionError(f"dumpcap did not start on {dev}: {read(tmp, 'dumpcap.log')}")


def read(tmp, name):
    try:
        with open(os.path.join(tmp, name), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def ping(ns, dst, count, size=56, dev=None):
    """None when every echo was answered, else what happened."""
    cmd = [PY, NSUTIL, "ping", "-c", count, "-s", size, "-W", PING_WAIT, "-i", 0.2]
    if dev:
        cmd += ["-I", dev]
    p = sh(*cmd, dst, check=False, timeout=count * (PING_WAIT + 1) + 20, ns=ns)
    if p.returncode == 0:
        return None
    return f"`ip netns exec {ns} nsutil.py ping {' '.join(map(str, cmd[3:]))} {dst}` " \
           f"exited {p.returncode}:\n{p.stdout}{p.stderr}"


def telemetry_stats(prefix):
    """tungw's counters now (/tungw/stats over the DPDK telemetry socket), or why not."""
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(5)
        s.connect(f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2")
        s.recv(4096)
        s.send(b"/tungw/stats")
        reply = json.loads(s.recv(1 << 20).decode())["/tungw/stats"]
        s.close()
        return json.dumps({k: v for k, v in reply.items() if v}, sort_keys=True)
    except (OSError, ValueError, KeyError) as e:
        return f"(telemetry: {e!r})"


def state(case, prefix):
    """What tungw counted and what the kernel sides know, for failure messages."""
    ns = ns_names(case)
    out = [f"[tungw] /tungw/stats (non-zero): {telemetry_stats(prefix)}"]
    for n, cmds in ((ns["lan"], [["ip", "neigh"]]),
                    (ns["ul"], [["ip", "neigh"], ["bridge", "fdb", "show", "dev", "vx0"],
                                ["ip", "-s", "-d", "link", "show", "vx0"],
                                ["ip", "-s", "link", "show", "ul-veth"]])):
        for cmd in cmds:
            p = sh(*cmd, ns=n, check=False)
            out.append(f"[{n}] {' '.join(cmd)}:\n{p.stdout.strip()}{p.stderr.strip()}")
    return "\n".join(out)


# --------------------------------------------------------------------------- checks

def check_stats(tmp, rc, mld_reports=0):
    log = read(tmp, "tungw.log")
    if rc != 0:
        return f"tungw exited {rc}:\n{log[-2000:]}"
    if "mbufs in use at exit: 0" not in log:
        return f"tungw leaked mbufs:\n{log[-1500:]}"
    try:
        with open(os.path.join(tmp, "stats.json")) as f:
            st = json.load(f)
    except (OSError, ValueError) as e:
        return f"no --stats-json output: {e}\n{log[-1500:]}"
    why = []
    vx = st.get("tunnels", {}).get("vx0", {})
    for k in ("encap_packets", "decap_packets"):
        if not vx.get(k, 0) > 0:
            why.append(f"tunnels.vx0.{k} = {vx.get(k)}, expected > 0")
    for name, port in st.get("ports", {}).items():
        for k in ("rx_packets", "tx_packets"):
            if not port.get(k, 0) > 0:
                why.append(f"ports.{name}.{k} = {port.get(k)}, expected > 0")
        for k in ("rx_missed", "tx_dropped"):
            if port.get(k, 0):
                why.append(f"ports.{name}.{k} = {port.get(k)}, expected 0")
    bad = {k: v for k, v in st.get("drops", {}).items() if k not in EXPECTED_DROPS and
           not (k == "icmp_ignored" and v <= mld_reports)}
    if bad:
        why.append(f"unexpected drops {bad} (allowed: {sorted(EXPECTED_DROPS)}, and "
                   f"icmp_ignored up to the {mld_reports} MLD reports the kernel sent)")
    if why:
        return "; ".join(why) + f"\n  stats: {json.dumps(st, sort_keys=True)}"
    return None


def mld_reports(path):
    """MLD reports (v1 131, v2 143) the kernel sent on the underlay, as in the capture."""
    n = 0
    for fr in rdpcap(path):
        if Ether in fr and fr[Ether].src == K_UL_MAC and IPv6 in fr and \
                fr[IPv6].dst.startswith("ff02::"):
            b = bytes(fr[IPv6].payload)
            nh, off = fr[IPv6].nh, 0
            if nh == 0 and len(b) >= 8:          # hop-by-hop (router alert)
                nh, off = b[0], (b[1] + 1) * 8
            if nh == 58 and len(b) > off and b[off] in (131, 143):
                n += 1
    return n


@contextlib.contextmanager
def wireshark_vxlan_port(port, tmp):
    """Make tshark dissect VXLAN on a non-default port too (a personal preferences file)."""
    if port == 4789:
        yield
        return
    d = os.path.join(tmp, "wireshark")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "preferences"), "w") as f:
        f.write(f"vxlan.udp.port: 4789,{port}\n")
    old = os.environ.get("WIRESHARK_CONFIG_DIR")
    os.environ["WIRESHARK_CONFIG_DIR"] = d
    try:
        yield
    finally:
        if old is None:
            del os.environ["WIRESHARK_CONFIG_DIR"]
        else:
            os.environ["WIRESHARK_CONFIG_DIR"] = old


def check_wire(path, c, tmp):
    """tshark finds nothing wrong; tungw's and the kernel's VXLAN packets are as configured."""
    why = []
    try:
        with wireshark_vxlan_port(c["dstport"], tmp):
            tgw.tshark_check(path)
    except AssertionError as e:
        why.append(str(e))
    tgw_ul, k_ul, _ = c["ul"]
    ul6 = ":" in tgw_ul
    L3 = IPv6 if ul6 else IP
    csum = True if ul6 else bool(c["tgw_opts"].get("udpcsum"))
    n_tgw = n_k = 0
    for i, fr in enumerate(rdpcap(path), 1):
        if L3 not in fr or UDP not in fr or fr[UDP].dport != c["dstport"]:
            continue
        ip, udp = fr[L3], fr[UDP]
        vx = bytes(udp.payload)[:8]
        where = f"frame {i} ({ip.src} -> {ip.dst})"
        if len(vx) < 8:
            why.append(f"{where}: UDP payload of {len(vx)} bytes, no VXLAN header")
            continue
        flags, vni = vx[0], struct.unpack("!I", vx[4:8])[0] >> 8
        if ip.src == str(ipaddress.ip_address(tgw_ul)) and fr[Ether].src == TGW_UL_MAC:
            n_tgw += 1
            exp = {"dst MAC": (fr[Ether].dst, K_UL_MAC),
                   "dst": (ip.dst, str(ipaddress.ip_address(k_ul))),
                   "VXLAN flags": (flags, 0x08), "VXLAN reserved": (vx[1:4] + vx[7:8],
                                                                    b"\0\0\0\0"),
                   "VNI": (vni, c["vni"]),
                   "TTL": (ip.hlim if ul6 else ip.ttl, 64),
                   "UDP checksum set": (udp.chksum != 0, csum)}
            if not ul6:
                exp["DF"] = (bool(ip.flags.DF), False)
            bad = {k: v for k, v in exp.items() if v[0] != v[1]}
            if not 32768 <= udp.sport <= 60999:
                bad["source port"] = (udp.sport, "32768..60999")
            if bad:
                why.append(f"tungw's {where}: (got, expected) {bad}")
        elif ip.src == str(ipaddress.ip_address(k_ul)):
            n_k += 1
            if vni != c["vni"]:
                why.append(f"the kernel's {where}: VNI {vni}, expected {c['vni']}")
        if len(why) > 12:
            break
    if not n_tgw or not n_k:
        why.append(f"the capture holds {n_tgw} VXLAN packets from tungw and {n_k} from the "
                   f"kernel, expected some of both")
    return "\n".join(why) or None


# --------------------------------------------------------------------------- one case

def run_case(case):
    c = CASES[case]
    require_capabilities()
    ns = ns_names(case)
    tmp = tempfile.mkdtemp(prefix=f"tgw-interop-{case}-")
    prefix = f"tgwi_{case}_{os.getpid()}"
    procs = []

    def teardown():
        for p in reversed(procs):
            stop(p)
        procs.clear()
        cleanup_namespaces(case)

    old_term = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        raise SystemExit(f"signal {signum}")

    results = []
    with case_lock(case):
        atexit.register(teardown)
        if old_term in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, on_term)
        try:
            cleanup_namespaces(case)   # leftovers of a run that crashed
            vx_mtu = setup_topology(case, c)
            with open(os.path.join(tmp, "cfg.json"), "w") as f:
                json.dump(tungw_config(c), f, indent=1)
            cap, cap_path = start_capture(ns["ul"], "ul-veth", tmp)
            procs.append(cap)
            p = start_tungw(ns["gw"], tmp, prefix)
            procs.append(p)

            for lan_a, k_a, _ in c["overlay"]:
                v6 = ":" in k_a
                big = vx_mtu - (48 if v6 else 28)
                for label, n, dst, dev in ((f"lan->kernel {k_a}", ns["lan"], k_a, None),
                                           (f"kernel->lan {lan_a}", ns["ul"], lan_a, "vx0")):
                    for size, cnt, tag in ((56, 3, ""), (big, 2, f" {big + 8}B at MTU")):
                        err = ping(n, dst, cnt, size, dev)
                        if err and p.poll() is not None:
                            err += f"\n(tungw exited {p.returncode})"
                        results.append((label + tag, err and err + "\n" + state(case, prefix)))

            stop(p)
            procs.remove(p)
            stop(cap)
            procs.remove(cap)
            results.append(("tungw stats", check_stats(tmp, p.returncode,
                                                       mld_reports(cap_path))))
            results.append(("wire", check_wire(cap_path, c, tmp)))
        finally:
            teardown()
            atexit.unregister(teardown)
            if signal.getsignal(signal.SIGTERM) is on_term:
                signal.signal(signal.SIGTERM, old_term)
    failed = any(err for _, err in results)
    if failed or os.environ.get("TGW_KEEP") == "1":
        results = [(n, e and f"{e}\n  (run dir: {tmp})") for n, e in results]
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def test_vxlan4_kernel():
    """IPv4 underlay, the defaults on both sides."""
    return run_case("v4")


def test_vxlan4_kernel_udpcsum_port8472():
    """IPv4 underlay, dstport 8472, tungw udpcsum, kernel noudpcsum."""
    return run_case("v4csum")


def test_vxlan6_kernel():
    """IPv6 underlay (UDP checksums both ways), IPv4 and IPv6 inside."""
    return run_case("v6")


if __name__ == "__main__":
    tgw.main(globals())
