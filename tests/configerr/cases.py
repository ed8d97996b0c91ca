"""Configuration error catalogue (SPEC section 2).

Each case is a configuration (a dict, or raw text for syntax errors) and the substrings the
error message must contain.  tungw must exit 2 both with --check and without it, and print
one message naming the file, the JSON path and the offending value.  Cases with "exit": 0 are
accepted configurations (checked with --check, then run for real on empty pcaps).

tests/run.py runs every case; `/usr/bin/python3 tests/configerr/cases.py [substring]` runs them
alone."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 60


def base():
    return {
        "ports": [
            {"name": "lan0", "device": "net_pcap0,rx_pcap=lan_in.pcap,tx_pcap=lan_out.pcap",
             "mac": "02:00:00:00:01:01", "addresses": ["10.1.0.1/24", "2001:db8:1::1/64"]},
            {"name": "wan0", "device": "net_pcap1,rx_pcap=wan_in.pcap,tx_pcap=wan_out.pcap",
             "mac": "02:00:00:00:02:01", "addresses": ["192.0.2.1/24", "2001:db8:ffff::1/64"]}],
        "tunnels": [{"name": "ipip0", "type": "ipip", "local": "192.0.2.1",
                     "remote": "192.0.2.2", "addresses": ["10.0.0.1/30"]}],
        "routes": [{"dst": "10.2.0.0/24", "dev": "ipip0"}],
        "neighbors": [{"dst": "192.0.2.2", "lladdr": "02:00:00:00:02:02", "dev": "wan0"},
                      {"dst": "10.1.0.2", "lladdr": "02:00:00:00:01:02", "dev": "lan0"}]}


def edit(fn):
    c = base()
    fn(c)
    return c


def tun(**kw):
    """base() with tunnels[0] updated by kw (a value of None deletes the key)."""
    def f(c):
        for k, v in kw.items():
            if v is None:
                c["tunnels"][0].pop(k, None)
            else:
                c["tunnels"][0][k] = v
    return edit(f)


def second_tunnel(t):
    return edit(lambda c: c["tunnels"].append(t))


SYNTAX_ERROR = """{
  "ports": [
    {"name": "lan0" "device": "net_null0"}
  ]
}
"""

CASES = [
    dict(name="unknown_top_level_key",
         config=edit(lambda c: c.update(tunels=[])), expect=["tunels"]),
    dict(name="unknown_key_in_tunnel",
         config=tun(remtoe="192.0.2.2"), expect=["tunnels[0]", "remtoe"]),
    dict(name="unknown_key_in_port",
         config=edit(lambda c: c["ports"][1].update(adresses=[])), expect=["ports[1]", "adresses"]),
    dict(name="bad_ipv4_address",
         config=tun(remote="10.0.0.300"), expect=["tunnels[0].remote", "10.0.0.300"]),
    dict(name="bad_tunnel_local",
         config=tun(local="192.0.2"), expect=["tunnels[0].local", "192.0.2"]),
    dict(name="ipv6_endpoint_on_ipip",
         config=tun(remote="2001:db8::2"), expect=["tunnels[0].remote", "2001:db8::2"]),
    dict(name="bad_prefix_length",
         config=edit(lambda c: c["ports"][0]["addresses"].__setitem__(0, "10.1.0.1/33")),
         expect=["ports[0].addresses[0]", "10.1.0.1/33"]),
    dict(name="bad_ipv6_prefix_length",
         config=edit(lambda c: c["ports"][1]["addresses"].__setitem__(1, "2001:db8:ffff::1/129")),
         expect=["ports[1].addresses[1]", "2001:db8:ffff::1/129"]),
    dict(name="bad_route_dst",
         config=edit(lambda c: c["routes"][0].update(dst="10.2.0.0/40")),
         expect=["routes[0].dst", "10.2.0.0/40"]),
    dict(name="duplicate_tunnel_name",
         config=second_tunnel({"name": "ipip0", "type": "ipip", "local": "192.0.2.1",
                               "remote": "192.0.2.3"}),
         expect=["tunnels[1]", "ipip0"]),
    dict(name="duplicate_port_name",
         config=edit(lambda c: c["ports"][1].update(name="lan0")), expect=["ports[1]", "lan0"]),
    dict(name="route_to_unknown_dev",
         config=edit(lambda c: c["routes"][0].update(dev="nope0")), expect=["routes[0]", "nope0"]),
    dict(name="neighbor_on_unknown_dev",
         config=edit(lambda c: c["neighbors"][0].update(dev="wan9")),
         expect=["neighbors[0]", "wan9"]),
    dict(name="bad_lladdr",
         config=edit(lambda c: c["neighbors"][0].update(lladdr="02:00:00:00:02")),
         expect=["neighbors[0].lladdr", "02:00:00:00:02"]),
    dict(name="bad_port_mac",
         config=edit(lambda c: c["ports"][0].update(mac="02:00:00:00:01:zz")),
         expect=["ports[0].mac", "02:00:00:00:01:zz"]),
    dict(name="wrong_type_addresses",
         config=tun(addresses="10.0.0.1/30"), expect=["tunnels[0].addresses"]),
    dict(name="wrong_type_ttl",
         config=tun(ttl=[64]), expect=["tunnels[0].ttl"]),
    dict(name="wrong_type_top_level",
         config=edit(lambda c: c.update(tunnels={"name": "x"})), expect=["tunnels"]),
    dict(name="top_level_not_object", config=[1, 2], expect=[]),
    dict(name="json_syntax_error", config=SYNTAX_ERROR, expect=[], line=3),
    dict(name="empty_file", config="", expect=[]),
    dict(name="missing_tunnel_type",
         config=tun(type=None), expect=["tunnels[0]", "type"]),
    dict(name="missing_tunnel_name",
         config=tun(name=None), expect=["tunnels[0]", "name"]),
    dict(name="missing_port_device",
         config=edit(lambda c: c["ports"][0].pop("device")), expect=["ports[0]", "device"]),
    dict(name="missing_route_dst",
         config=edit(lambda c: c["routes"][0].pop("dst")), expect=["routes[0]", "dst"]),
    dict(name="unsupported_type_vxlan",
         config=second_tunnel({"name": "vx1", "type": "vxlan", "local": "192.0.2.1",
                               "remote": "192.0.2.9"}),
         expect=["not supported yet", "vx1"]),
    dict(name="unknown_tunnel_type",
         config=tun(type="ipipip"), expect=["tunnels[0].type", "ipipip"]),
    dict(name="bad_mode_ipip",
         config=tun(mode="ip6ip"), expect=["tunnels[0].mode", "ip6ip"]),
    dict(name="bad_mode_sit",
         config=tun(type="sit", mode="ip6ip6"), expect=["tunnels[0].mode", "ip6ip6"]),
    dict(name="bad_mode_ip6tnl",
         config=tun(type="ip6tnl", local="2001:db8:ffff::1", remote="2001:db8:ffff::2",
                    mode="ip6ip"),
         expect=["tunnels[0].mode", "ip6ip"]),
    dict(name="ttl_256", config=tun(ttl=256), expect=["tunnels[0].ttl", "256"]),
    dict(name="ttl_negative", config=tun(ttl=-1), expect=["tunnels[0].ttl", "-1"]),
    dict(name="ttl_bad_hex_string", config=tun(ttl="0xzz"), expect=["tunnels[0].ttl", "0xzz"]),
    dict(name="tos_256", config=tun(tos=256), expect=["tunnels[0].tos", "256"]),
    dict(name="mtu_too_small", config=tun(mtu=10), expect=["tunnels[0].mtu", "10"]),
    dict(name="pmtudisc_not_bool", config=tun(pmtudisc="yes"), expect=["tunnels[0].pmtudisc"]),
    dict(name="nopmtudisc_with_fixed_ttl", config=tun(pmtudisc=False, ttl=64),
         expect=["tunnels[0]", "pmtudisc"]),
    dict(name="hoplimit_on_ipv4_outer", config=tun(hoplimit=64),
         expect=["tunnels[0].hoplimit"]),
    dict(name="encaplimit_256",
         config=tun(type="ip6tnl", local="2001:db8:ffff::1", remote="2001:db8:ffff::2",
                    encaplimit=256),
         expect=["tunnels[0].encaplimit", "256"]),
    dict(name="flowlabel_too_big",
         config=tun(type="ip6tnl", local="2001:db8:ffff::1", remote="2001:db8:ffff::2",
                    flowlabel="0x100000"),
         expect=["tunnels[0].flowlabel", "0x100000"]),
    dict(name="missing_file", config=None, expect=["does-not-exist.json"]),
    # accepted configurations
    dict(name="integer_as_hex_string_accepted", config=tun(ttl="0x40", tos="0x20", mtu="1400"),
         exit=0),
    dict(name="integer_as_decimal_string_accepted",
         config=tun(type="ip6tnl", local="2001:db8:ffff::1", remote="2001:db8:ffff::2",
                    hoplimit="32", encaplimit="0x2", flowlabel="12345", mode="any"),
         exit=0),
]


def _eal(prefix):
    return ["-l", "0-1", "--no-huge", "-m", "1024", "--no-shconf", "--no-pci",
            "--file-prefix", prefix, "--log-level=*:warning"]


def _tungw():
    return os.environ.get("TUNGW_BIN") or os.path.join(REPO, "build", "app", "tungw", "tungw")


def _invoke(args, cwd, prefix):
    try:
        p = subprocess.run([_tungw()] + _eal(prefix) + ["--"] + args, cwd=cwd,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"tungw -- {' '.join(args)} did not exit within {TIMEOUT}s")
    finally:
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    return p


def _write_pcap(path):
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))


def check(case):
    """Raise AssertionError unless tungw treats the case as the catalogue says."""
    if not os.path.exists(_tungw()):
        raise AssertionError(f"tungw binary not found: {_tungw()}")
    d = tempfile.mkdtemp(prefix="cfgerr-")
    try:
        path = os.path.join(d, f"{case['name']}.json")
        if case["config"] is None:
            path = os.path.join(d, "does-not-exist.json")
        elif isinstance(case["config"], str):
            with open(path, "w") as f:
                f.write(case["config"])
        else:
            with open(path, "w") as f:
                json.dump(case["config"], f, indent=2)
        want_exit = case.get("exit", 2)
        modes = [["--check", "-c", path], ["-c", path, "--idle-exit", "200"]]
        if want_exit == 0:
            for n in ("lan_in", "wan_in"):
                _write_pcap(os.path.join(d, n + ".pcap"))
        for i, args in enumerate(modes):
            p = _invoke(args, d, f"cfgerr{os.getpid()}_{i}")
            msg = (p.stderr + p.stdout).strip()
            how = "with --check" if "--check" in args else "without --check"
            if p.returncode != want_exit:
                raise AssertionError(f"{how}: exit {p.returncode}, expected {want_exit}; "
                                     f"output: {msg[-800:]!r}")
            if want_exit == 0:
                continue
            err = p.stderr.strip() or p.stdout.strip()
            if not err:
                raise AssertionError(f"{how}: exit 2 without any message")
            if os.path.basename(path) not in msg:
                raise AssertionError(f"{how}: message does not name the file "
                                     f"{os.path.basename(path)}: {msg[-600:]!r}")
            for s in case.get("expect", []):
                if s not in msg:
                    raise AssertionError(f"{how}: message lacks {s!r}: {msg[-600:]!r}")
            if "line" in case:
                ln = case["line"]
                pat = rf"(\bline\D{{0,3}}{ln}\b.*\bcol(umn)?\D{{0,3}}\d+)|(:{ln}:\d+)"
                if not re.search(pat, msg):
                    raise AssertionError(f"{how}: syntax error message lacks line {ln} and a "
                                         f"column: {msg[-600:]!r}")
            if "Segmentation" in msg or "AddressSanitizer" in msg:
                raise AssertionError(f"{how}: crashed: {msg[-800:]!r}")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    pat = sys.argv[1] if len(sys.argv) > 1 else ""
    npass = nfail = 0
    for c in CASES:
        if pat not in c["name"]:
            continue
        try:
            check(c)
        except AssertionError as e:
            nfail += 1
            print(f"FAIL configerr/{c['name']}: {e}")
        else:
            npass += 1
            print(f"PASS configerr/{c['name']}")
    print(f"{npass} passed, {nfail} failed")
    sys.exit(1 if nfail else 0)
