"""A running gateway: telemetry (/tungw/*) over the DPDK v2 socket, and dpdk-dumpcap (pdump)."""

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

from scapy.all import IP, UDP, Ether, Raw, rdpcap, wrpcap

import tgw

CFG = {
    "ports": [
        {"name": "lan0", "device": "net_pcap0,rx_pcap=lan_in.pcap,infinite_rx=1",
         "mac": tgw.LAN_MAC, "addresses": ["10.1.0.1/24"]},
        {"name": "wan0", "device": "net_null0,no-rx=1", "mac": tgw.WAN_MAC,
         "addresses": ["192.0.2.1/24"]},
    ],
    "tunnels": [{"name": "ipip0", "type": "ipip", "local": "192.0.2.1", "remote": "192.0.2.2"}],
    "routes": [{"dst": "10.2.0.0/24", "dev": "ipip0"}],
    "neighbors": [{"dst": "192.0.2.2", "lladdr": tgw.PEER_MAC, "dev": "wan0"}],
}


def _start(tmp, prefix, eal, secs):
    with open(os.path.join(tmp, "cfg.json"), "w") as f:
        json.dump(CFG, f)
    frames = [Ether(dst=tgw.LAN_MAC, src=tgw.LAN_HOST_MAC) /
              IP(src="10.1.0.2", dst="10.2.0.%d" % (i + 1)) / UDP(sport=tgw.SPORT, dport=tgw.DPORT) /
              Raw(b"t" * 18) for i in range(8)]
    wrpcap(os.path.join(tmp, "lan_in.pcap"), frames)
    cmd = [tgw.tungw_bin(), "-l", "0-1", "--no-pci", "--file-prefix", prefix,
           "--log-level=*:warning"] + eal + ["--", "-c", "cfg.json", "--duration", str(secs)]
    return subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _telemetry(prefix, cmd):
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    json.loads(s.recv(4096).decode())
    s.send(cmd.encode())
    reply = json.loads(s.recv(65536).decode())
    s.close()
    return reply[cmd]


def test_telemetry_commands():
    tmp = tempfile.mkdtemp(prefix="tgw-tel-")
    prefix = "tgwtel%d" % os.getpid()
    p = _start(tmp, prefix, ["--no-huge", "-m", "1024", "--no-shconf"], 60)
    try:
        sock = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        stats = {}
        for _ in range(300):  # the socket appears at EAL init, traffic once ports start
            if os.path.exists(sock):
                stats = _telemetry(prefix, "/tungw/stats")
                if stats.get("tunnels/ipip0/encap_packets", 0) > 0:
                    break
            time.sleep(0.05)
        assert stats["ports/lan0/rx_packets"] > 0, stats
        assert stats["tunnels/ipip0/encap_packets"] > 0, stats
        assert stats["ports/wan0/tx_packets"] > 0, stats
        tunnels = _telemetry(prefix, "/tungw/tunnels")
        assert tunnels["ipip0/type"] == "ipip" and tunnels["ipip0/remote"] == "192.0.2.2", tunnels
        assert tunnels["ipip0/mtu"] == 1480, tunnels
        routes = _telemetry(prefix, "/tungw/routes")
        assert routes == {"0/dst": "10.2.0.0/24", "0/dev": "ipip0"}, routes
        ports = _telemetry(prefix, "/tungw/ports")
        assert ports["wan0/mac"] == tgw.WAN_MAC and ports["lan0/driver"] == "net_pcap", ports
        assert _telemetry(prefix, "/tungw/sas") == {}
        # the script DPDK ships talks to the same socket
        out = subprocess.run(["/usr/bin/python3", "/usr/bin/dpdk-telemetry.py", "-f", prefix],
                             input="/tungw/tunnels\n", capture_output=True, text=True, timeout=20)
        assert '"ipip0/type": "ipip"' in out.stdout, out.stdout + out.stderr
    finally:
        p.send_signal(2)  # SIGINT stops it cleanly (SPEC section 1)
        out, _ = p.communicate(timeout=30)
    assert p.returncode == 0, out
    assert "signal 2, stopping" in out and "tunnel ipip0" in out, out
    assert "mbufs in use at exit: 0" in out, out
    shutil.rmtree(tmp, ignore_errors=True)


HP = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"


def _hugepages(n):
    """Reserve n 2 MB pages (and mount hugetlbfs); returns the previous count."""
    with open(HP) as f:
        old = int(f.read())
    if not os.path.ismount("/dev/hugepages"):
        os.makedirs("/dev/hugepages", exist_ok=True)
        subprocess.run(["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"], check=True)
    with open(HP, "w") as f:
        f.write(str(max(n, old)))
    with open(HP) as f:
        assert int(f.read()) >= n, "cannot reserve %d hugepages" % n
    return old


def test_dumpcap_captures_running_gateway():
    """rte_pdump is initialised: dpdk-dumpcap (a secondary process, so hugepages and a
    shared config are needed) captures the encapsulated packets on wan0."""
    old = _hugepages(320)
    tmp = tempfile.mkdtemp(prefix="tgw-pdump-")
    prefix = "tgwpd%d" % os.getpid()
    # The secondary maps the primary's memory at the same addresses: put it where neither an
    # ASan primary (its shadow covers 2 GiB..16 TiB) nor the secondary's own libraries and
    # heap (near 0x55.. and 0x7f.. TiB, moved by ASLR) can be, or dumpcap fails at random.
    p = _start(tmp, prefix, ["-m", "256", "--base-virtaddr", "0x200000000000"], 60)
    try:
        sock = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        for _ in range(300):
            if os.path.exists(sock) and \
                    _telemetry(prefix, "/tungw/stats").get("tunnels/ipip0/encap_packets", 0):
                break
            time.sleep(0.05)
        out = os.path.join(tmp, "cap.pcapng")
        r = subprocess.run(["dpdk-dumpcap", "--file-prefix", prefix, "-i", "net_null0", "-c", "20",
                            "-w", out], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        pkts = rdpcap(out)
        assert len(pkts) >= 20, len(pkts)  # -c counts, but whole bursts are written
        for pk in pkts:
            assert pk[Ether].dst == tgw.PEER_MAC and pk[Ether].src == tgw.WAN_MAC
            assert pk[IP].proto == 4 and pk[IP].src == "192.0.2.1" and pk[IP].dst == "192.0.2.2"
            assert pk[IP].payload.src == "10.1.0.2"
    finally:
        p.send_signal(15)  # and SIGTERM too
        res, _ = p.communicate(timeout=30)
        # a primary process leaves its hugepage files behind; they would keep the pages
        for f in glob.glob("/dev/hugepages/%smap_*" % prefix):
            os.unlink(f)
        with open(HP, "w") as f:
            f.write(str(old))
    assert p.returncode == 0, "exit status %s: %s" % (p.returncode, res)
    assert "signal 15, stopping" in res, res
    assert "mbufs in use at exit: 0" in res, res
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    test_telemetry_commands()
    test_dumpcap_captures_running_gateway()
    print("ok")


def test_duration_and_stats_interval():
    """--duration stops the gateway by itself; --stats-interval prints a rate line per period
    and --stats-json writes the SPEC section 5 object."""
    tmp = tempfile.mkdtemp(prefix="tgw-dur-")
    prefix = "tgwdur%d" % os.getpid()
    with open(os.path.join(tmp, "cfg.json"), "w") as f:
        json.dump(CFG, f)
    frames = [Ether(dst=tgw.LAN_MAC, src=tgw.LAN_HOST_MAC) / IP(src="10.1.0.2", dst="10.2.0.9") /
              UDP(sport=tgw.SPORT, dport=tgw.DPORT) / Raw(b"d" * 18)]
    wrpcap(os.path.join(tmp, "lan_in.pcap"), frames)
    t0 = time.time()
    r = subprocess.run([tgw.tungw_bin(), "-l", "0-1", "--no-pci", "--no-huge", "-m", "1024",
                        "--no-shconf", "--file-prefix", prefix, "--log-level=*:warning", "--",
                        "-c", "cfg.json", "--duration", "3", "--stats-interval", "1",
                        "--stats-json", "s.json"], cwd=tmp, capture_output=True, text=True,
                       timeout=60)
    took = time.time() - t0
    assert r.returncode == 0, r.stdout + r.stderr
    assert 3 <= took < 20, took
    rates = [l for l in r.stdout.splitlines() if l.startswith("tungw: rx ") and "Mpps" in l]
    assert len(rates) >= 2, r.stdout
    with open(os.path.join(tmp, "s.json")) as f:
        st = json.load(f)
    assert set(st) == {"ports", "tunnels", "sas", "drops"}, st
    assert st["tunnels"]["ipip0"]["encap_packets"] == st["ports"]["wan0"]["tx_packets"] > 0, st
    assert st["tunnels"]["ipip0"]["encap_bytes"] == 46 * st["tunnels"]["ipip0"]["encap_packets"]
    assert set(st["ports"]["lan0"]) == {"rx_packets", "rx_bytes", "tx_packets", "tx_bytes",
                                        "rx_missed", "tx_dropped"}
    assert "mbufs in use at exit: 0" in r.stdout, r.stdout
    shutil.rmtree(tmp, ignore_errors=True)
