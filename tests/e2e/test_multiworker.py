"""Two workers, two queues per port (SPEC §4, issue 4 "RSS by source port").

tungw runs with main lcore 0 and workers on lcores 1 and 2 (both pinned to CPU 1: the
machine has two cores), and every port has two queue pairs (net_pcap: one rx_pcap/tx_pcap
pair per queue), so worker w polls queue w of every port and transmits on queue w.

What a NIC's RSS gives tungw is one flow per queue; what tungw must do with it:
- a packet received on queue w is processed and sent by worker w only (tx queue w), in
  order: a flow that RSS keeps on one queue stays on one worker end to end;
- the outer UDP source port of FOU and GENEVE is a function of the inner flow only
  (udp_flow_src_port), so the same flow encapsulated by either worker leaves with the same
  source port, and the far end's RSS on the outer UDP header keeps it on one queue there;
- different flows spread over the source-port range.
"""

import json
import os
import shutil
import subprocess
import tempfile

import tgw
from tgw import (IP, UDP, Ether, LAN_HOST_MAC, LAN_MAC, PEER_MAC, WAN_MAC, read_pcap,
                 write_pcap)

WAN4, PEER4 = "192.0.2.1", "192.0.2.2"
FAR_MAC = "02:00:00:00:09:02"
BR_HOST_MAC = "02:00:00:00:03:02"


def run2(cfg, inputs):
    """Run tungw with two workers; inputs {port: [frames of queue 0, frames of queue 1]}.
    Returns ({port: [frames sent on queue 0, on queue 1]}, stats)."""
    d = tempfile.mkdtemp(prefix="tgw-mw-")
    try:
        outs = {}
        for i, port in enumerate(cfg["ports"]):
            name = port["name"]
            args = []
            for q in range(2):
                rx = os.path.join(d, f"{name}_in{q}.pcap")
                write_pcap(rx, inputs.get(name, [[], []])[q])
                args += [f"rx_pcap={rx}"]
            for q in range(2):
                args += [f"tx_pcap={os.path.join(d, f'{name}_out{q}.pcap')}"]
            port["device"] = f"net_pcap{i}," + ",".join(args)
        cfg_path = os.path.join(d, "cfg.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        stats_path = os.path.join(d, "stats.json")
        prefix = f"tgwmw{os.getpid()}"
        cmd = [tgw.tungw_bin(), "--lcores", "0@0,1@1,2@1", "--no-huge", "-m", "1024",
               "--no-shconf", "--no-pci", "--file-prefix", prefix, "--log-level=*:warning",
               "--", "-c", cfg_path, "--idle-exit", "500", "--duration", "30",
               "--stats-json", stats_path]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
        assert p.returncode == 0, f"tungw exit {p.returncode}: {p.stderr[-2000:]}"
        assert "2 workers" in p.stdout + p.stderr, (p.stdout + p.stderr)[-1000:]
        assert "mbufs in use at exit: 0" in p.stdout + p.stderr, (p.stdout + p.stderr)[-800:]
        for port in cfg["ports"]:
            name = port["name"]
            outs[name] = [[Ether(b) for b in read_pcap(os.path.join(d, f"{name}_out{q}.pcap"))
                           if not tgw.is_unsolicited(Ether(b))] for q in range(2)]
        with open(stats_path) as f:
            stats = json.load(f)
        return outs, stats
    finally:
        shutil.rmtree(d, ignore_errors=True)


def flow_pkt(flow, seq, src_net="10.1.0."):
    """Packet seq of inner flow `flow`: the flow is the UDP source port (and host)."""
    return IP(src=src_net + str(2 + flow % 8), dst="10.2.0.9", ttl=64, id=seq) / \
        UDP(sport=1000 + flow, dport=9) / (bytes([flow, seq]) * 10)


def fou_config():
    cfg = tgw.base_config(
        tunnels=[{"name": "fou1", "type": "ipip", "local": WAN4, "remote": PEER4,
                  "encap": {"type": "fou", "dport": 5555}}],
        routes=[{"dst": "10.2.0.0/24", "dev": "fou1"}])
    cfg["fou"] = [{"port": 5555, "ipproto": 4}]
    return cfg


def test_fou_flows_stay_on_their_worker():
    """Encap: flows 0-3 arrive on lan0 queue 0, flows 4-7 on queue 1, and flow 0 also on
    queue 1 (a flow seen by both workers).  Each worker sends exactly what it received, in
    order, on its own wan0 queue; a flow's outer source port is the same whichever worker
    encapsulated it; the 8 flows use at least 4 distinct source ports in 32768..60999.
    Decap: the FOU packets of queue k leave lan0 on queue k, in order."""
    q0 = [flow_pkt(f, s) for s in range(4) for f in range(4)]
    q1 = [flow_pkt(f, s) for s in range(4) for f in range(4, 8)] + \
        [flow_pkt(0, s) for s in range(10, 12)]
    outs, stats = run2(fou_config(), {"lan0": [[tgw.lan_in(p) for p in q0],
                                               [tgw.lan_in(p) for p in q1]]})
    sport_of = {}
    for q, sent in enumerate((q0, q1)):
        got = outs["wan0"][q]
        assert len(got) == len(sent), f"wan0 queue {q}: {len(got)} frames for {len(sent)}"
        for i, (o, p) in enumerate(zip(got, sent)):
            assert o[Ether].dst == PEER_MAC and o[IP].dst == PEER4 and o[UDP].dport == 5555, \
                f"queue {q} frame {i}: {o.summary()}"
            inner = IP(bytes(o[UDP].payload))
            assert (inner[UDP].sport, inner.id) == (p[UDP].sport, p.id), \
                f"queue {q} frame {i}: flow {inner[UDP].sport}/{inner.id}, " \
                f"want {p[UDP].sport}/{p.id} (order or worker changed)"
            sp = o[UDP].sport
            assert 32768 <= sp <= 60999, f"source port {sp} out of the kernel's range"
            flow = p[UDP].sport
            assert sport_of.setdefault(flow, sp) == sp, \
                f"flow {flow}: source port {sp} on queue {q}, {sport_of[flow]} before"
    assert len(set(sport_of.values())) >= 4, f"8 flows on source ports {sport_of}"
    assert outs["lan0"] == [[], []]
    assert stats["tunnels"]["fou1"]["encap_packets"] == len(q0) + len(q1)

    # decap: FOU from the peer, each queue's packets back out of lan0 on the same queue
    def fou_in(f, s):
        return tgw.wan_in(IP(src=PEER4, dst=WAN4, ttl=64) /
                          UDP(sport=33000 + f, dport=5555) /
                          IP(src="10.2.0." + str(10 + f), dst=tgw.LAN_HOST4, ttl=64, id=s) /
                          UDP(sport=2000 + f, dport=9) / bytes(16))
    d0 = [fou_in(f, s) for s in range(3) for f in range(3)]
    d1 = [fou_in(f, s) for s in range(3) for f in range(3, 6)]
    outs, stats = run2(fou_config(), {"wan0": [d0, d1]})
    for q, sent in enumerate((d0, d1)):
        got = outs["lan0"][q]
        assert len(got) == len(sent), f"lan0 queue {q}: {len(got)} frames for {len(sent)}"
        for i, (o, p) in enumerate(zip(got, sent)):
            want = IP(bytes(p[UDP].payload))
            assert o[Ether].dst == LAN_HOST_MAC and o[Ether].src == LAN_MAC
            assert (o[IP].src, o[IP].id, o[IP].ttl) == (want.src, want.id, 63), \
                f"lan0 queue {q} frame {i}: {o[IP].src}/{o[IP].id}, want {want.src}/{want.id}"
    assert outs["wan0"] == [[], []]
    assert stats["tunnels"]["fou1"]["decap_packets"] == len(d0) + len(d1)
    assert stats["drops"] == {}, stats["drops"]


def test_geneve_flows_stay_on_their_worker():
    """The same for bridged frames into geneve: a frame flow's GENEVE source port is the
    same from either worker, and each worker transmits what it received, in order."""
    cfg = {"ports": [{"name": "lan1", "mac": "02:00:00:00:03:01"},
                     {"name": "wan0", "mac": WAN_MAC, "addresses": [WAN4 + "/24"]}],
           "tunnels": [{"name": "gnv0", "type": "geneve", "id": 7, "local": WAN4,
                        "remote": PEER4}],
           "bridges": [{"name": "br0", "members": ["lan1", "gnv0"]}],
           "neighbors": [{"dst": PEER4, "lladdr": PEER_MAC, "dev": "wan0"}]}

    def fr(f, s):
        return Ether(dst=FAR_MAC, src=BR_HOST_MAC) / flow_pkt(f, s, "10.9.0.")
    q0 = [fr(f, s) for s in range(3) for f in range(3)]
    q1 = [fr(f, s) for s in range(3) for f in range(3, 6)] + [fr(1, 20), fr(1, 21)]
    outs, stats = run2(cfg, {"lan1": [q0, q1]})
    sport_of = {}
    for q, sent in enumerate((q0, q1)):
        got = outs["wan0"][q]
        assert len(got) == len(sent), f"wan0 queue {q}: {len(got)} frames for {len(sent)}"
        for i, (o, p) in enumerate(zip(got, sent)):
            assert o[UDP].dport == 6081
            assert bytes(o[UDP].payload)[8:] == bytes(p), \
                f"queue {q} frame {i}: the frame inside differs (order or worker changed)"
            flow = p[UDP].sport
            assert sport_of.setdefault(flow, o[UDP].sport) == o[UDP].sport, \
                f"flow {flow}: source port {o[UDP].sport} on queue {q}, {sport_of[flow]} before"
    assert len(set(sport_of.values())) >= 3, f"6 flows on source ports {sport_of}"
    assert stats["tunnels"]["gnv0"]["encap_packets"] == len(q0) + len(q1)
