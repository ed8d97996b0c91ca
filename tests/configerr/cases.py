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


def gre(**kw):
    """base() with tunnels[0] turned into an IPv4 gre tunnel, updated by kw."""
    return tun(type="gre", **kw)


def ers(**kw):
    """base() whose only tunnel is the erspan tunnel "erspan1" with kw (no routes into it)."""
    def f(c):
        t = {"name": "erspan1", "type": "erspan", "local": "192.0.2.1", "remote": "192.0.2.2"}
        t.update(kw)
        c["tunnels"] = [t]
        c["routes"] = []
    return edit(f)


def l2(fn=None):
    """base() made L2: lan0 without addresses (a bridge member must have none), the gretap
    tunnels "gretap1" and "gretap2", the erspan tunnel "erspan1", the L3 gre tunnel "gre1",
    the bridge "br0" joining lan0 and gretap1; then fn(c)."""
    def f(c):
        del c["ports"][0]["addresses"]
        c["neighbors"] = [c["neighbors"][0]]
        c["tunnels"] += [
            {"name": "gretap1", "type": "gretap", "local": "192.0.2.1", "remote": "192.0.2.3"},
            {"name": "gretap2", "type": "gretap", "local": "192.0.2.1", "remote": "192.0.2.4"},
            {"name": "erspan1", "type": "erspan", "local": "192.0.2.1", "remote": "192.0.2.5",
             "key": 10},
            {"name": "gre1", "type": "gre", "local": "192.0.2.1", "remote": "192.0.2.6"}]
        c["bridges"] = [{"name": "br0", "members": ["lan0", "gretap1"]}]
        if fn:
            fn(c)
    return edit(f)


def mirror(*ms):
    """l2() with the given "mirrors" entries."""
    return l2(lambda c: c.update(mirrors=list(ms)))


def _l2_everything(c):
    """An accepted L2 configuration using every bridge and mirror key."""
    c["tunnels"][1].update(key="10.0.0.1", seq=True, ocsum=True)
    c["bridges"][0].update(ageing="0x40",
                           fdb=[{"lladdr": "02:00:00:00:09:01", "dev": "gretap1"}])
    c["mirrors"] = [{"dev": "wan0", "direction": "both", "to": "erspan1"}]


def fou(*entries):
    """base() with the given top-level "fou" entries."""
    return edit(lambda c: c.update(fou=list(entries)))


def encap(e, **kw):
    """base() with tunnels[0] given the "encap" e (and updated by kw, as tun())."""
    return tun(encap=e, **kw)


_UDP_L2 = {
    "geneve": {"name": "geneve0", "type": "geneve", "id": 100, "remote": "192.0.2.7"},
    "vxlan": {"name": "vxlan0", "type": "vxlan", "id": 42, "remote": "192.0.2.8"},
}


def udp_l2(kind, fn=None, **kw):
    """base() made L2 as l2() does (lan0 without addresses), plus the geneve tunnel
    "geneve0" (id 100, remote 192.0.2.7) or the vxlan tunnel "vxlan0" (id 42, remote
    192.0.2.8) as tunnels[1], updated by kw (None deletes a key), bridged with lan0 in
    "br0"; then fn(c)."""
    def f(c):
        t = dict(_UDP_L2[kind])
        for k, v in kw.items():
            if v is None:
                t.pop(k, None)
            else:
                t[k] = v
        del c["ports"][0]["addresses"]
        c["neighbors"] = [c["neighbors"][0]]
        c["tunnels"].append(t)
        c["bridges"] = [{"name": "br0", "members": ["lan0", t["name"]]}]
        if fn:
            fn(c)
    return edit(f)


def geneve(fn=None, **kw):
    return udp_l2("geneve", fn, **kw)


def vxlan(fn=None, **kw):
    return udp_l2("vxlan", fn, **kw)


def _udp_everything(c):
    """An accepted configuration using every fou, encap, geneve and vxlan key."""
    c["fou"] = [{"port": 5555, "ipproto": 4}, {"port": "0x15b5", "gue": True},
                {"port": "5555", "ipproto": "47", "family": "ipv6"},
                {"port": 5556, "gue": False, "ipproto": 41, "family": "ipv4"}]
    c["tunnels"][0]["encap"] = {"type": "fou", "sport": "auto", "dport": 5555,
                                "csum": True, "remcsum": False}
    c["tunnels"] += [
        {"name": "sit1", "type": "sit", "mode": "any", "local": "192.0.2.1",
         "remote": "192.0.2.20", "encap": {"type": "gue", "sport": "0x9c40", "dport": "5556"}},
        {"name": "gre2", "type": "gre", "local": "192.0.2.1", "remote": "192.0.2.21",
         "key": 7, "encap": {"type": "gue", "sport": 40000, "dport": 5556, "csum": False}},
        {"name": "geneve1", "type": "geneve", "id": "0x64", "remote": "192.0.2.9",
         "dstport": "6081", "udpcsum": True, "ttl": "inherit", "tos": "inherit",
         "options": [{"class": "0x0102", "type": 1, "data": "0x0000002A"},
                     {"class": 258, "type": "0x80", "data": "0011223344556677"},
                     {"class": 3, "type": 2, "data": ""}]},
        {"name": "vxlan6", "type": "vxlan", "id": 0, "local": "2001:db8:ffff::1",
         "remote": "2001:db8:ffff::8", "dstport": 8472, "udp6zerocsumtx": True,
         "udp6zerocsumrx": True, "hoplimit": 32},
        {"name": "vxlan1", "type": "vxlan", "id": 42, "remote": "192.0.2.10", "dstport": 8472}]
    c["bridges"].append({"name": "br1", "members": ["geneve1", "vxlan6"]})


# IPsec (SPEC section 2 "xfrm", the vti/vti6 tunnel types): base() plus the vti "vti1"
# (key 42, 192.0.2.1 -> 192.0.2.9) as tunnels[1], a route into it, and an "xfrm" object.
_GCM_KEY_OUT = "0x000102030405060708090a0b0c0d0e0f10111213"   # AES-128 + 4-byte salt
_GCM_KEY_IN = "0x202122232425262728292a2b2c2d2e2f30313233"
_VTI = {"name": "vti1", "type": "vti", "key": 42, "local": "192.0.2.1", "remote": "192.0.2.9",
        "addresses": ["10.45.1.1/30"]}


def _upd(d, kw):
    """d updated by kw, a value of None deleting the key."""
    d = dict(d)
    for k, v in kw.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return d


def sa(**kw):
    """An outgoing tunnel-mode ESP state of vti1, updated by kw (None deletes a key)."""
    return _upd({"src": "192.0.2.1", "dst": "192.0.2.9", "proto": "esp", "spi": "0x1000",
                 "mode": "tunnel",
                 "aead": {"name": "rfc4106(gcm(aes))", "key": _GCM_KEY_OUT, "icv_bits": 128}}, kw)


def cbc_sha1(**kw):
    """sa() with enc cbc(aes) and auth hmac(sha1) instead of the aead, updated by kw."""
    return sa(**{"aead": None, "enc": {"name": "cbc(aes)", "key": "0x" + "11" * 16},
                 "auth": {"name": "hmac(sha1)", "key": "0x" + "22" * 20}, **kw})


def tmpl(**kw):
    return _upd({"src": "192.0.2.1", "dst": "192.0.2.9", "proto": "esp", "mode": "tunnel"}, kw)


def pol(**kw):
    """vti1's "out" policy (mark 42, one tunnel-mode template), updated by kw."""
    return _upd({"dir": "out", "mark": 42, "tmpl": [tmpl()]}, kw)


def xfrm(states=None, policies=None, vti=None, fn=None):
    """base() with vti1 (updated by the dict vti) as tunnels[1], 10.46.0.0/24 routed into it,
    and "xfrm": {"states": states (default [sa()]), "policies": policies (default [pol()])};
    then fn(c)."""
    def f(c):
        c["tunnels"].append(_upd(_VTI, vti or {}))
        c["routes"].append({"dst": "10.46.0.0/24", "dev": "vti1"})
        c["xfrm"] = {"states": [sa()] if states is None else states,
                     "policies": [pol()] if policies is None else policies}
        if fn:
            fn(c)
    return edit(f)


def _vti_kernel_docs(c):
    """The VTI example of the article the config/ examples follow (ip link add name vti1
    type vti key VTI_KEY local ... remote ...; ip addr add ... dev vti1; ip xfrm state add
    ... mode tunnel, both ways; ip xfrm policy add dir in|out tmpl ... mode tunnel mark
    VTI_KEY), with VTI_KEY 42 and a remote beyond a default route (docs/config.md, xfrm)."""
    c["tunnels"].append({"name": "vti1", "type": "vti", "key": 42, "local": "192.0.2.1",
                         "remote": "198.51.100.1", "addresses": ["10.45.1.1/24"]})
    c["routes"] += [{"dst": "default", "via": "192.0.2.2", "dev": "wan0"},
                    {"dst": "10.1.2.0/24", "dev": "vti1"}]
    c["xfrm"] = {
        "states": [
            {"src": "192.0.2.1", "dst": "198.51.100.1", "proto": "esp", "spi": "0x1000",
             "mode": "tunnel",
             "aead": {"name": "rfc4106(gcm(aes))", "key": _GCM_KEY_OUT, "icv_bits": 128}},
            {"src": "198.51.100.1", "dst": "192.0.2.1", "proto": "esp", "spi": "0x2000",
             "mode": "tunnel",
             "aead": {"name": "rfc4106(gcm(aes))", "key": _GCM_KEY_IN, "icv_bits": 128}}],
        "policies": [
            {"dir": "in", "mark": 42,
             "tmpl": [{"src": "198.51.100.1", "dst": "192.0.2.1", "proto": "esp",
                       "mode": "tunnel"}]},
            {"dir": "out", "mark": 42,
             "tmpl": [{"src": "192.0.2.1", "dst": "198.51.100.1", "proto": "esp",
                       "mode": "tunnel"}]}]}


def _xfrm_kernel_docs(c):
    """The article's XFRM example: ip link add xfrm0 type xfrm dev eth1 if_id 3; AH states
    with auth sha1 beef_fish_pork_salad, SPIs 0x10 / 0x20, mode tunnel, if_id 3; in and out
    policies with if_id 3 (eth1 is wan0, as config/xfrm.json)."""
    laddr, daddr = "192.168.1.227", "192.168.1.156"
    c["ports"][1]["addresses"] = [laddr + "/24"]
    c["tunnels"].append({"name": "xfrm0", "type": "xfrm", "dev": "wan0", "if_id": 3,
                         "addresses": ["192.168.10.227/24"]})
    auth = {"name": "sha1", "key": "beef_fish_pork_salad"}
    c["xfrm"] = {
        "states": [{"src": laddr, "dst": daddr, "spi": "0x10", "proto": "ah", "auth": auth,
                    "mode": "tunnel", "if_id": 3},
                   {"src": daddr, "dst": laddr, "spi": "0x20", "proto": "ah", "auth": auth,
                    "mode": "tunnel", "if_id": 3}],
        "policies": [{"dir": "in", "if_id": 3,
                      "tmpl": [{"src": daddr, "dst": laddr, "proto": "ah", "spi": "0x20",
                                "mode": "tunnel"}]},
                     {"dir": "out", "if_id": 3,
                      "tmpl": [{"src": laddr, "dst": daddr, "proto": "ah", "spi": "0x10",
                                "mode": "tunnel"}]}]}


def _vti6_everything(c):
    """A vti6 with ikey/okey and every state, algorithm, policy and template key accepted."""
    local, remote = "2001:db8:ffff::1", "2001:db8:eeee::1"
    c["tunnels"].append({"name": "vti6a", "type": "vti6", "ikey": "0.0.0.7", "okey": 8,
                         "local": local, "remote": remote, "hoplimit": 32, "tos": "inherit",
                         "mtu": 1400, "dev": "wan0", "addresses": ["2001:db8:46::1/64"]})
    c["routes"] += [{"dst": "::/0", "via": "2001:db8:ffff::fe", "dev": "wan0"},
                    {"dst": "2001:db8:b::/48", "dev": "vti6a"},
                    {"dst": "10.46.0.0/24", "dev": "vti6a"}]
    c["xfrm"] = {
        "states": [
            {"src": local, "dst": remote, "proto": "esp", "spi": 256, "mode": "tunnel",
             "reqid": 5, "mark": 8, "replay_window": 0, "replay_oseq": "0x10",
             "enc": {"name": "aes", "key": "0x" + "a5" * 32},
             "auth": {"name": "hmac(sha256)", "key": "0x" + "5a" * 32, "trunc_bits": 96}},
            {"src": remote, "dst": local, "proto": "esp", "spi": "0x200", "mode": "tunnel",
             "reqid": "6", "mark": {"value": 7, "mask": "0xff"}, "replay_window": 4096,
             "esn": True, "if_id": 0,
             "aead": {"name": "rfc7539esp(chacha20,poly1305)", "key": "0x" + "c3" * 36}},
            {"src": remote, "dst": local, "proto": "esp", "spi": "0x201", "mode": "tunnel",
             "mark": {"value": 7},
             "enc": {"name": "cipher_null", "key": ""},
             "auth": {"name": "sha1", "key": "beef_fish_pork_salad"}},
            {"src": remote, "dst": local, "proto": "esp", "spi": "0x202", "mode": "tunnel",
             "mark": {"mask": 0},
             "enc": {"name": "rfc3686(ctr(aes))", "key": "0x" + "0f" * 36},
             "auth": {"name": "sha512", "key": "0x" + "f0" * 64, "trunc_bits": 256}},
            {"src": remote, "dst": local, "proto": "esp", "spi": "0x203", "mode": "tunnel",
             "aead": {"name": "rfc4543(gcm(aes))", "key": "0x" + "3c" * 28}},
            {"src": remote, "dst": local, "proto": "esp", "spi": "0x204", "mode": "tunnel",
             "aead": {"name": "rfc4106(gcm(aes))", "key": "0x" + "77" * 36, "icv_bits": 64}},
            {"src": remote, "dst": local, "proto": "esp", "spi": "0x205", "mode": "tunnel",
             "enc": {"name": "ecb(cipher_null)", "key": ""},
             "auth": {"name": "hmac(sha384)", "key": "sixteen byte key"}}],
        "policies": [
            {"dir": "out", "mark": {"value": 8, "mask": "0xffffffff"}, "priority": 10,
             "tmpl": [{"src": local, "dst": remote, "proto": "esp", "mode": "tunnel",
                       "reqid": 5, "spi": "256"}]},
            {"dir": "out", "src": "2001:db8:1::/64", "dst": "2001:db8:b::/48", "proto": "tcp",
             "dport": 22, "mark": 8, "action": "block", "priority": "0x5"},
            {"dir": "in", "mark": 7, "if_id": 0, "tmpl": [{"src": remote, "dst": local,
                                                           "mode": "tunnel", "reqid": 6}]},
            {"dir": "in", "src": "2001:db8:b::1", "proto": "ipv6-icmp", "sport": 128,
             "dport": 0, "mark": 7, "action": "allow", "tmpl": []}]}


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
    dict(name="xfrm_iface_needs_if_id",
         config=second_tunnel({"name": "xfrm1", "type": "xfrm"}),
         expect=["tunnels[1]", 'tunnel "xfrm1": an xfrm interface needs "if_id"']),
    dict(name="xfrm_iface_if_id_zero",
         config=second_tunnel({"name": "xfrm1", "type": "xfrm", "if_id": 0}),
         expect=["tunnels[1].if_id", "0"]),
    dict(name="xfrm_iface_local_refused",
         config=second_tunnel({"name": "xfrm1", "type": "xfrm", "if_id": 1,
                               "local": "192.0.2.1"}),
         expect=["tunnels[1].local", '"192.0.2.1"',
                 "an xfrm interface takes its endpoints, TTL and TOS from its SAs"]),
    dict(name="xfrm_iface_tos_refused",
         config=second_tunnel({"name": "xfrm1", "type": "xfrm", "if_id": 1, "tos": 4}),
         expect=["tunnels[1].tos", "4", "takes its endpoints, TTL and TOS from its SAs"]),
    dict(name="xfrm_iface_duplicate_if_id",
         config=edit(lambda c: c["tunnels"].extend([
             {"name": "xfrm1", "type": "xfrm", "if_id": 7},
             {"name": "xfrm2", "type": "xfrm", "if_id": 7}])),
         expect=["tunnels[2].if_id", '7 is the if_id of tunnel "xfrm1" already']),
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
    # the GRE family (gre, gretap, ip6gre, ip6gretap, erspan, ip6erspan)
    dict(name="gre_key_out_of_range", config=gre(key=4294967296),
         expect=["tunnels[0].key", "4294967296", "is not a GRE key"]),
    dict(name="gre_key_negative", config=gre(okey=-1),
         expect=["tunnels[0].okey", "-1", "is not a GRE key"]),
    dict(name="gre_key_not_a_number", config=gre(ikey="ten"),
         expect=["tunnels[0].ikey", '"ten"', "is not a GRE key"]),
    dict(name="gre_key_bad_dotted_quad", config=gre(key="1.2.3.256"),
         expect=["tunnels[0].key", '"1.2.3.256"', "is not a GRE key"]),
    dict(name="gre_key_with_ikey", config=gre(key=1, ikey=2),
         expect=["tunnels[0]", '"key" or "ikey"/"okey", not both']),
    dict(name="gre_seq_not_bool", config=gre(seq="yes"),
         expect=["tunnels[0].seq", '"yes"', "is not true or false"]),
    dict(name="gre_encaplimit_on_ipv4_outer", config=gre(encaplimit=4),
         expect=["tunnels[0]", 'unknown key "encaplimit"']),
    dict(name="gretap_encap_refused",
         config=tun(type="gretap", addresses=None, encap={"type": "fou", "dport": 5555}),
         expect=["tunnels[0]", 'unknown key "encap"']),
    dict(name="ip6gre_ipv4_local",
         config=tun(type="ip6gre", local="192.0.2.1", remote="2001:db8:ffff::2"),
         expect=["tunnels[0].local", '"192.0.2.1"', "is not an IPv6 address"]),
    dict(name="ip6gretap_ipv4_remote",
         config=tun(type="ip6gretap", local="2001:db8:ffff::1", remote="192.0.2.2"),
         expect=["tunnels[0].remote", '"192.0.2.2"', "is not an IPv6 address"]),
    dict(name="erspan_without_key", config=ers(),
         expect=["tunnels[0]", 'tunnel "erspan1" needs "key"']),
    dict(name="erspan_key_1024", config=ers(key=1024),
         expect=["tunnels[0].key", "1024", "out of range 0..1023"]),
    dict(name="erspan_ver_3", config=ers(key=1, erspan_ver=3),
         expect=["tunnels[0].erspan_ver", "3", "out of range 1..2"]),
    dict(name="erspan_index_with_ver_2", config=ers(key=1, erspan_ver=2, erspan=5),
         expect=["tunnels[0].erspan", "5", "applies to erspan_ver 1"]),
    dict(name="erspan_index_too_big", config=ers(key=1, erspan=0x100000),
         expect=["tunnels[0].erspan", "1048576", "out of range 0..1048575"]),
    dict(name="erspan_dir_with_ver_1", config=ers(key=1, erspan_ver=1, erspan_dir="ingress"),
         expect=["tunnels[0].erspan_dir", '"ingress"', "applies to erspan_ver 2"]),
    dict(name="erspan_dir_bad_word", config=ers(key=1, erspan_ver=2, erspan_dir="both"),
         expect=["tunnels[0].erspan_dir", '"both"', "is not one of"]),
    dict(name="erspan_hwid_64", config=ers(key=1, erspan_ver=2, erspan_hwid=64),
         expect=["tunnels[0].erspan_hwid", "64", "out of range 0..63"]),
    dict(name="erspan_hwid_with_ver_1", config=ers(key=1, erspan_hwid=3),
         expect=["tunnels[0].erspan_hwid", "3", "applies to erspan_ver 2"]),
    dict(name="erspan_gre_key_refused", config=ers(key=1, okey=7),
         expect=["tunnels[0]", 'unknown key "okey"']),
    dict(name="ip6erspan_ipv4_remote",
         config=ers(type="ip6erspan", key=1, local="2001:db8:ffff::1", remote="192.0.2.2"),
         expect=["tunnels[0].remote", '"192.0.2.2"', "is not an IPv6 address"]),
    # bridges
    dict(name="bridges_not_an_array",
         config=l2(lambda c: c.update(bridges={"name": "br0", "members": ["lan0"]})),
         expect=["bridges", '{"name":"br0"', "is not an array"]),
    dict(name="bridge_unknown_member",
         config=l2(lambda c: c["bridges"][0]["members"].append("nope0")),
         expect=["bridges[0].members[2]", '"nope0"', "no such port or tunnel"]),
    dict(name="bridge_member_port_with_addresses",
         config=l2(lambda c: c["bridges"][0]["members"].append("wan0")),
         expect=["bridges[0].members[2]", '"wan0"', "has addresses"]),
    dict(name="bridge_member_l3_tunnel",
         config=l2(lambda c: c["bridges"][0]["members"].append("gre1")),
         expect=["bridges[0].members[2]", '"gre1"', "does not carry Ethernet"]),
    dict(name="bridge_member_in_two_bridges",
         config=l2(lambda c: c["bridges"].append({"name": "br1",
                                                  "members": ["gretap2", "gretap1"]})),
         expect=["bridges[1].members[1]", '"gretap1"', 'already a member of bridge "br0"']),
    dict(name="bridge_name_clashes_with_port",
         config=l2(lambda c: c["bridges"][0].update(name="wan0")),
         expect=["bridges[0].name", '"wan0"', "already the name of a port or tunnel"]),
    dict(name="bridge_without_members",
         config=l2(lambda c: c["bridges"][0].pop("members")),
         expect=["bridges[0]", 'needs "members"']),
    dict(name="bridge_ageing_0",
         config=l2(lambda c: c["bridges"][0].update(ageing=0)),
         expect=["bridges[0].ageing", "0", "out of range"]),
    dict(name="bridge_fdb_on_non_member",
         config=l2(lambda c: c["bridges"][0].update(
             fdb=[{"lladdr": "02:00:00:00:09:01", "dev": "gretap2"}])),
         expect=["bridges[0].fdb[0].dev", '"gretap2"', 'is not a member of bridge "br0"']),
    dict(name="bridge_fdb_group_lladdr",
         config=l2(lambda c: c["bridges"][0].update(
             fdb=[{"lladdr": "01:00:5e:00:00:01", "dev": "lan0"}])),
         expect=["bridges[0].fdb[0].lladdr", '"01:00:5e:00:00:01"', "unicast"]),
    # mirrors
    dict(name="mirror_to_a_port",
         config=mirror({"dev": "wan0", "direction": "ingress", "to": "lan0"}),
         expect=["mirrors[0].to", '"lan0"', "is a port"]),
    dict(name="mirror_to_unknown_tunnel",
         config=mirror({"dev": "wan0", "direction": "ingress", "to": "erspan9"}),
         expect=["mirrors[0].to", '"erspan9"', "no such port or tunnel"]),
    dict(name="mirror_to_l3_tunnel",
         config=mirror({"dev": "wan0", "direction": "ingress", "to": "gre1"}),
         expect=["mirrors[0].to", '"gre1"', "does not carry Ethernet"]),
    dict(name="mirror_unknown_dev",
         config=mirror({"dev": "wan9", "direction": "ingress", "to": "erspan1"}),
         expect=["mirrors[0].dev", '"wan9"', "no such port"]),
    dict(name="mirror_two_ingress_on_one_port",
         config=mirror({"dev": "wan0", "direction": "ingress", "to": "erspan1"},
                       {"dev": "wan0", "direction": "ingress", "to": "gretap2"}),
         expect=["mirrors[1].direction", '"ingress"', 'port "wan0" already has an ingress mirror']),
    dict(name="mirror_both_after_egress",
         config=mirror({"dev": "wan0", "direction": "egress", "to": "erspan1"},
                       {"dev": "wan0", "direction": "both", "to": "gretap2"}),
         expect=["mirrors[1].direction", '"both"', "already has an egress mirror"]),
    dict(name="mirror_bad_direction",
         config=mirror({"dev": "wan0", "direction": "sideways", "to": "erspan1"}),
         expect=["mirrors[0].direction", '"sideways"', "is not one of"]),
    dict(name="missing_file", config=None, expect=["does-not-exist.json"]),
    # fou receive ports (`ip fou add`)
    dict(name="fou_without_port", config=fou({"ipproto": 4}),
         expect=["fou[0]", 'fou entry needs "port"']),
    dict(name="fou_port_0", config=fou({"port": 0, "ipproto": 4}),
         expect=["fou[0].port", "0 is out of range 1..65535"]),
    dict(name="fou_port_65536", config=fou({"port": 65536, "ipproto": 4}),
         expect=["fou[0].port", "65536 is out of range 1..65535"]),
    dict(name="fou_ipproto_17_refused", config=fou({"port": 5555, "ipproto": 17}),
         expect=["fou[0].ipproto", "17", "no tunnel type receives IP protocol 17"]),
    dict(name="fou_ipproto_negative", config=fou({"port": 5555, "ipproto": -4}),
         expect=["fou[0].ipproto", "-4 is out of range 0..255"]),
    dict(name="fou_gue_with_ipproto", config=fou({"port": 5555, "gue": True, "ipproto": 4}),
         expect=["fou[0].ipproto", "4", '"gue" or "ipproto", not both']),
    dict(name="fou_without_ipproto_or_gue", config=fou({"port": 5555}),
         expect=["fou[0]", 'fou entry needs "ipproto" or "gue"']),
    dict(name="fou_gue_false_without_ipproto", config=fou({"port": 5555, "gue": False}),
         expect=["fou[0]", 'fou entry needs "ipproto" or "gue"']),
    dict(name="fou_gue_not_bool", config=fou({"port": 5555, "gue": "yes"}),
         expect=["fou[0].gue", '"yes"', "is not true or false"]),
    dict(name="fou_unknown_key", config=fou({"port": 5555, "ipproto": 4, "peer": "192.0.2.2"}),
         expect=["fou[0].peer", 'unknown key "peer"']),
    dict(name="fou_bad_family", config=fou({"port": 5555, "ipproto": 4, "family": "inet6"}),
         expect=["fou[0].family", '"inet6"', "is not one of"]),
    dict(name="fou_duplicate_port",
         config=fou({"port": 5555, "ipproto": 4}, {"port": 5555, "gue": True}),
         expect=["fou[1].port", "UDP port 5555 (IPv4) is already taken by fou receive"]),
    dict(name="fou_not_an_array",
         config=edit(lambda c: c.update(fou={"port": 5555, "ipproto": 4})),
         expect=["fou", '{"port":5555', "is not an array"]),
    dict(name="fou_entry_not_an_object", config=fou(5555),
         expect=["fou[0]", "5555", "is not an object"]),
    dict(name="fou_port_taken_by_vxlan",
         config=vxlan(lambda c: c.update(fou=[{"port": 4789, "ipproto": 4}])),
         expect=["tunnels[1].dstport", "UDP port 4789 (IPv4) is already taken by fou receive"]),
    dict(name="fou_gue_port_taken_by_geneve_default",
         config=geneve(lambda c: c.update(fou=[{"port": 6081, "gue": True}])),
         expect=["tunnels[1].dstport", "UDP port 6081 (IPv4) is already taken by gue"]),
    # "encap" of ipip, sit and gre (`encap fou|gue encap-sport … encap-dport …`)
    dict(name="encap_on_ip6tnl_refused",
         config=encap({"type": "fou", "dport": 5555}, type="ip6tnl", local="2001:db8:ffff::1",
                      remote="2001:db8:ffff::2"),
         expect=["tunnels[0].encap", 'unknown key "encap"']),
    dict(name="encap_on_ip6gre_refused",
         config=encap({"type": "fou", "dport": 5555}, type="ip6gre", local="2001:db8:ffff::1",
                      remote="2001:db8:ffff::2"),
         expect=["tunnels[0].encap", 'unknown key "encap"']),
    dict(name="encap_without_dport", config=encap({"type": "fou"}),
         expect=["tunnels[0].encap", 'tunnel "ipip0": encap needs "dport"']),
    dict(name="encap_without_type", config=encap({"dport": 5555}),
         expect=["tunnels[0].encap", 'tunnel "ipip0": encap needs "type"']),
    dict(name="encap_bad_type", config=encap({"type": "gre", "dport": 5555}),
         expect=["tunnels[0].encap.type", '"gre"', 'is not one of "fou", "gue"']),
    dict(name="encap_sport_0", config=encap({"type": "fou", "dport": 5555, "sport": 0}),
         expect=["tunnels[0].encap.sport", "0 is out of range 1..65535"]),
    dict(name="encap_sport_65536_on_gre",
         config=encap({"type": "gue", "dport": 5555, "sport": 65536}, type="gre"),
         expect=["tunnels[0].encap.sport", "65536 is out of range 1..65535"]),
    dict(name="encap_sport_bad_word",
         config=encap({"type": "fou", "dport": 5555, "sport": "random"}),
         expect=["tunnels[0].encap.sport", '"random"', "is not an integer"]),
    dict(name="encap_dport_0_on_sit", config=encap({"type": "fou", "dport": 0}, type="sit"),
         expect=["tunnels[0].encap.dport", "0 is out of range 1..65535"]),
    dict(name="encap_remcsum_true",
         config=encap({"type": "gue", "dport": 5555, "remcsum": True}),
         expect=["tunnels[0].encap.remcsum", "true",
                 "remote checksum offload is not supported"]),
    dict(name="encap_not_an_object", config=encap("fou"),
         expect=["tunnels[0].encap", '"fou"', "is not an object"]),
    dict(name="encap_unknown_key", config=encap({"type": "fou", "dport": 5555, "ttl": 3}),
         expect=["tunnels[0].encap.ttl", 'unknown key "ttl"']),
    dict(name="encap_csum_not_bool", config=encap({"type": "fou", "dport": 5555, "csum": 1}),
         expect=["tunnels[0].encap.csum", "1 is not true or false"]),
    # geneve
    dict(name="geneve_without_id", config=geneve(id=None),
         expect=["tunnels[1]", 'geneve tunnel "geneve0" needs "id"']),
    dict(name="geneve_without_remote", config=geneve(remote=None),
         expect=["tunnels[1]", 'geneve tunnel "geneve0" needs "remote"']),
    dict(name="geneve_remote_any", config=geneve(remote="any"),
         expect=["tunnels[1]", 'geneve tunnel "geneve0" needs "remote"']),
    dict(name="geneve_id_16777216", config=geneve(id=16777216),
         expect=["tunnels[1].id", "16777216 is out of range 0..16777215"]),
    dict(name="geneve_dstport_0", config=geneve(dstport=0),
         expect=["tunnels[1].dstport", "0 is out of range 1..65535"]),
    dict(name="geneve_options_not_an_array",
         config=geneve(options={"class": 1, "type": 1, "data": ""}),
         expect=["tunnels[1].options", '{"class":1', "is not an array"]),
    dict(name="geneve_option_not_an_object", config=geneve(options=["00000000"]),
         expect=["tunnels[1].options[0]", '"00000000"', "is not an object"]),
    dict(name="geneve_option_without_class",
         config=geneve(options=[{"type": 1, "data": "00000000"}]),
         expect=["tunnels[1].options[0]", 'option needs "class"']),
    dict(name="geneve_option_without_type",
         config=geneve(options=[{"class": 1, "data": "00000000"}]),
         expect=["tunnels[1].options[0]", 'option needs "type"']),
    dict(name="geneve_option_data_odd_length",
         config=geneve(options=[{"class": 1, "type": 1, "data": "0x123"}]),
         expect=["tunnels[1].options[0].data", '"0x123"', "is not a multiple of 4 bytes"]),
    dict(name="geneve_option_data_3_bytes",
         config=geneve(options=[{"class": 1, "type": 1, "data": "0x123456"}]),
         expect=["tunnels[1].options[0].data", '"0x123456"', "is not a multiple of 4 bytes"]),
    dict(name="geneve_option_data_not_hex",
         config=geneve(options=[{"class": 1, "type": 1, "data": "0xzz00zz00"}]),
         expect=["tunnels[1].options[0].data", '"0xzz00zz00"', "is not a hex string"]),
    dict(name="geneve_option_data_not_a_string",
         config=geneve(options=[{"class": 1, "type": 1, "data": 12345678}]),
         expect=["tunnels[1].options[0].data", "12345678", "is not a string"]),
    dict(name="geneve_option_class_65536",
         config=geneve(options=[{"class": 65536, "type": 1, "data": ""}]),
         expect=["tunnels[1].options[0].class", "65536 is out of range 0..65535"]),
    dict(name="geneve_option_type_256",
         config=geneve(options=[{"class": 1, "type": 256, "data": ""}]),
         expect=["tunnels[1].options[0].type", "256 is out of range 0..255"]),
    dict(name="geneve_option_unknown_key",
         config=geneve(options=[{"class": 1, "type": 1, "data": "", "len": 4}]),
         expect=["tunnels[1].options[0].len", 'unknown key "len"']),
    dict(name="geneve_too_many_options",
         config=geneve(options=[{"class": 1, "type": i, "data": ""} for i in range(9)]),
         expect=["tunnels[1].options", "more than 8 options"]),
    dict(name="geneve_options_too_long",
         config=geneve(options=[{"class": 1, "type": 1, "data": "00" * 64}]),
         expect=["tunnels[1].options[0].data", '"000000', "the options exceed 64 bytes"]),
    dict(name="geneve_unknown_key", config=geneve(vni=100),
         expect=["tunnels[1].vni", 'unknown key "vni"']),
    dict(name="geneve_encap_refused", config=geneve(encap={"type": "fou", "dport": 5555}),
         expect=["tunnels[1].encap", 'unknown key "encap"']),
    dict(name="geneve_ipv6_local_ipv4_remote", config=geneve(local="2001:db8:ffff::1"),
         expect=["tunnels[1].local", '"2001:db8:ffff::1"',
                 "is not an IPv4 address (the geneve tunnel's remote is IPv4)"]),
    dict(name="geneve_with_addresses", config=geneve(addresses=["10.9.0.1/24"]),
         expect=["tunnels[1].addresses", '"10.9.0.1/24"', "carries Ethernet"]),
    dict(name="geneve_same_vni_and_remote",
         config=geneve(lambda c: c["tunnels"].append(
             {"name": "geneve1", "type": "geneve", "id": 100, "remote": "192.0.2.7"})),
         expect=["tunnels[2]", '"192.0.2.7"', 'receives the same packets as "geneve0"']),
    dict(name="geneve_dstport_taken_by_vxlan",
         config=geneve(lambda c: c["tunnels"].append(
             {"name": "vxlan0", "type": "vxlan", "id": 42, "remote": "192.0.2.8",
              "dstport": 6081})),
         expect=["tunnels[2].dstport", "UDP port 6081 (IPv4) is already taken by geneve"]),
    # as the kernel (geneve_nl2info: "Remote IPv4 address cannot be Multicast") and
    # iproute2 (invalid_arg "remote")
    dict(name="geneve_remote_multicast", config=geneve(remote="239.1.1.1"),
         expect=["tunnels[1].remote", '"239.1.1.1"']),
    dict(name="geneve6_pmtudisc", config=geneve(remote="2001:db8:ffff::7", pmtudisc=True),
         expect=["tunnels[1].pmtudisc", "applies to IPv4-outer tunnels"]),
    # vxlan
    dict(name="vxlan_without_id", config=vxlan(id=None),
         expect=["tunnels[1]", 'vxlan tunnel "vxlan0" needs "id"']),
    dict(name="vxlan_id_16777216", config=vxlan(id=16777216),
         expect=["tunnels[1].id", "16777216 is out of range 0..16777215"]),
    dict(name="vxlan_id_negative", config=vxlan(id=-1),
         expect=["tunnels[1].id", "-1 is out of range 0..16777215"]),
    dict(name="vxlan_dstport_65536", config=vxlan(dstport=65536),
         expect=["tunnels[1].dstport", "65536 is out of range 1..65535"]),
    dict(name="vxlan_with_addresses", config=vxlan(addresses=["10.9.0.1/24"]),
         expect=["tunnels[1].addresses", '"10.9.0.1/24"',
                 'tunnel "vxlan0" (vxlan) carries Ethernet: it joins a bridge and has no '
                 'addresses']),
    dict(name="vxlan_ipv4_local_ipv6_remote",
         config=vxlan(local="192.0.2.1", remote="2001:db8:ffff::8"),
         expect=["tunnels[1].local", '"192.0.2.1"',
                 "is not an IPv6 address (the vxlan tunnel's remote is IPv6)"]),
    dict(name="vxlan_options_refused", config=vxlan(options=[]),
         expect=["tunnels[1].options", 'unknown key "options"']),
    dict(name="vxlan_udpcsum_not_bool", config=vxlan(udpcsum="yes"),
         expect=["tunnels[1].udpcsum", '"yes"', "is not true or false"]),
    dict(name="vxlan_route_into_refused",
         config=vxlan(lambda c: c["routes"].append({"dst": "10.9.0.0/24", "dev": "vxlan0"})),
         expect=["routes[1].dev", '"vxlan0"', "is an L2 tunnel (vxlan)"]),
    # as the kernel's vxlan_vni_in_use: a VNI on a port is one device, whatever its remote
    dict(name="vxlan_same_vni_other_remote",
         config=vxlan(lambda c: c["tunnels"].append(
             {"name": "vxlan1", "type": "vxlan", "id": 42, "remote": "192.0.2.9"})),
         expect=["tunnels[2]", '"192.0.2.9"', 'receives the same packets as "vxlan0"']),
    # iproute2 refuses a multicast "remote" (invalid_arg; a group is "group", not in SPEC)
    dict(name="vxlan_remote_multicast", config=vxlan(remote="239.1.1.1"),
         expect=["tunnels[1].remote", '"239.1.1.1"']),
    # IPsec: "xfrm" states and policies, vti and vti6 (SPEC section 2). Key errors name the
    # key's path and length, never the key itself (it is a secret).
    dict(name="xfrm_not_an_object",
         config=edit(lambda c: c.update(xfrm=[{"states": []}])),
         expect=["xfrm", '[{"states":[]}]', 'is not an object {"states", "policies"}']),
    dict(name="xfrm_unknown_key",
         config=edit(lambda c: c.update(xfrm={"sas": []})),
         expect=["xfrm.sas", 'unknown key "sas"']),
    dict(name="xfrm_states_not_an_array",
         config=edit(lambda c: c.update(xfrm={"states": {"spi": 1}})),
         expect=["xfrm.states", '{"spi":1}', "is not an array"]),
    dict(name="xfrm_state_not_an_object", config=xfrm(states=["esp"]),
         expect=["xfrm.states[0]", '"esp"', "is not an object"]),
    # iproute2 spells it replay-window
    dict(name="xfrm_state_unknown_key", config=xfrm(states=[sa(**{"replay-window": 32})]),
         expect=["xfrm.states[0].replay-window", 'unknown key "replay-window"']),
    dict(name="xfrm_state_without_src", config=xfrm(states=[sa(src=None)]),
         expect=["xfrm.states[0]", 'a state needs "src" and "dst"']),
    dict(name="xfrm_state_without_dst", config=xfrm(states=[sa(dst=None)]),
         expect=["xfrm.states[0]", 'a state needs "src" and "dst"']),
    dict(name="xfrm_state_bad_src", config=xfrm(states=[sa(src="192.0.2.300")]),
         expect=["xfrm.states[0].src", '"192.0.2.300"', "is not an IPv4 or IPv6 address"]),
    dict(name="xfrm_state_without_proto", config=xfrm(states=[sa(proto=None)]),
         expect=["xfrm.states[0]", 'a state needs "proto": "esp" or "ah"']),
    dict(name="xfrm_state_bad_proto", config=xfrm(states=[sa(proto="comp")]),
         expect=["xfrm.states[0].proto", '"comp"', 'is not one of "esp", "ah"']),
    dict(name="xfrm_state_without_spi", config=xfrm(states=[sa(spi=None)]),
         expect=["xfrm.states[0]", 'a state needs "spi" (1..0xffffffff)']),
    dict(name="xfrm_state_spi_0", config=xfrm(states=[sa(spi=0)]),
         expect=["xfrm.states[0].spi", "0 is out of range 1..4294967295"]),
    dict(name="xfrm_state_spi_too_big", config=xfrm(states=[sa(spi="0x100000000")]),
         expect=["xfrm.states[0].spi", '"0x100000000" is out of range 1..4294967295']),
    dict(name="xfrm_state_family_mismatch", config=xfrm(states=[sa(dst="2001:db8:ffff::9")]),
         expect=["xfrm.states[0].dst", '"2001:db8:ffff::9"', 'is not of the family of "src"']),
    dict(name="xfrm_state_unknown_aead",
         config=xfrm(states=[sa(aead={"name": "gcm(aes)", "key": _GCM_KEY_OUT})]),
         expect=["xfrm.states[0].aead", '"gcm(aes)"', "unsupported aead 'gcm(aes)'",
                 "rfc4106(gcm(aes))"]),
    dict(name="xfrm_state_unknown_enc",
         config=xfrm(states=[cbc_sha1(enc={"name": "cbc(des3_ede)", "key": "0x" + "11" * 24})]),
         expect=["xfrm.states[0].enc", '"cbc(des3_ede)"', "unsupported enc 'cbc(des3_ede)'"]),
    dict(name="xfrm_state_unknown_auth",
         config=xfrm(states=[cbc_sha1(auth={"name": "hmac(md5)", "key": "0x" + "22" * 16})]),
         expect=["xfrm.states[0].auth", '"hmac(md5)"', "unsupported auth 'hmac(md5)'"]),
    dict(name="xfrm_state_aead_given_as_enc",
         config=xfrm(states=[sa(aead=None, enc={"name": "rfc4106(gcm(aes))",
                                                "key": _GCM_KEY_OUT})]),
         expect=["xfrm.states[0].enc", '"rfc4106(gcm(aes))"', "is an aead algorithm"]),
    dict(name="xfrm_state_alg_without_name",
         config=xfrm(states=[sa(aead={"key": _GCM_KEY_OUT})]),
         expect=["xfrm.states[0].aead", 'needs "name"']),
    dict(name="xfrm_state_gcm_key_16_bytes",
         config=xfrm(states=[sa(aead={"name": "rfc4106(gcm(aes))", "key": "0x" + "11" * 16})]),
         expect=["xfrm.states[0].aead.key", "takes 20, 28 or 36 bytes", "got 16"]),
    dict(name="xfrm_state_chacha_key_32_bytes",
         config=xfrm(states=[sa(aead={"name": "rfc7539esp(chacha20,poly1305)",
                                      "key": "0x" + "11" * 32})]),
         expect=["xfrm.states[0].aead.key", "takes 36 bytes", "got 32"]),
    dict(name="xfrm_state_cbc_key_20_bytes",
         config=xfrm(states=[cbc_sha1(enc={"name": "aes", "key": "0x" + "11" * 20})]),
         expect=["xfrm.states[0].enc.key", "takes 16, 24 or 32 bytes, got 20"]),
    dict(name="xfrm_state_ctr_key_16_bytes",
         config=xfrm(states=[cbc_sha1(enc={"name": "rfc3686(ctr(aes))",
                                           "key": "0x" + "11" * 16})]),
         expect=["xfrm.states[0].enc.key", "takes 20, 28 or 36 bytes", "got 16"]),
    dict(name="xfrm_state_cipher_null_with_key",
         config=xfrm(states=[cbc_sha1(enc={"name": "cipher_null", "key": "0x00000000"})]),
         expect=["xfrm.states[0].enc.key", "takes no key, got 4 bytes"]),
    # an HMAC takes a key of any length (RFC 2104), but not an empty one
    dict(name="xfrm_state_hmac_empty_key",
         config=xfrm(states=[cbc_sha1(auth={"name": "sha256", "key": ""})]),
         expect=["xfrm.states[0].auth.key", "sha256 needs a key"]),
    dict(name="xfrm_state_key_odd_hex",
         config=xfrm(states=[cbc_sha1(enc={"name": "cbc(aes)", "key": "0x123"})]),
         expect=["xfrm.states[0].enc.key", "needs an even number of hex digits"]),
    dict(name="xfrm_state_key_not_hex",
         config=xfrm(states=[cbc_sha1(enc={"name": "cbc(aes)", "key": "0x" + "zz" * 16})]),
         expect=["xfrm.states[0].enc.key", "is not a hex string"]),
    dict(name="xfrm_state_key_not_a_string",
         config=xfrm(states=[sa(aead={"name": "rfc4106(gcm(aes))", "key": 1234})]),
         expect=["xfrm.states[0].aead.key", "1234", "is not a string"]),
    dict(name="xfrm_state_icv_bits_100",
         config=xfrm(states=[sa(aead={"name": "rfc4106(gcm(aes))", "key": _GCM_KEY_OUT,
                                      "icv_bits": 100})]),
         expect=["xfrm.states[0].aead.icv_bits", "100", "ICV is 64, 96 or 128 bits"]),
    dict(name="xfrm_state_chacha_icv_bits_96",
         config=xfrm(states=[sa(aead={"name": "rfc7539esp(chacha20,poly1305)",
                                      "key": "0x" + "11" * 36, "icv_bits": 96})]),
         expect=["xfrm.states[0].aead.icv_bits", "96", "ICV is 128 bits only"]),
    dict(name="xfrm_state_trunc_bits_32",
         config=xfrm(states=[cbc_sha1(auth={"name": "hmac(sha1)", "key": "0x" + "22" * 20,
                                            "trunc_bits": 32})]),
         expect=["xfrm.states[0].auth.trunc_bits", "32",
                 "a multiple of 8 from 64 to 160 bits"]),
    dict(name="xfrm_state_trunc_bits_on_aead",
         config=xfrm(states=[sa(aead={"name": "rfc4106(gcm(aes))", "key": _GCM_KEY_OUT,
                                      "trunc_bits": 96})]),
         expect=["xfrm.states[0].aead.trunc_bits", 'does not apply to "aead"']),
    dict(name="xfrm_state_aead_with_enc",
         config=xfrm(states=[sa(enc={"name": "cbc(aes)", "key": "0x" + "11" * 16})]),
         expect=["xfrm.states[0].enc", '"cbc(aes)"', "an aead takes neither enc nor auth"]),
    dict(name="xfrm_state_aead_with_auth",
         config=xfrm(states=[sa(auth={"name": "sha1", "key": "0x" + "22" * 20})]),
         expect=["xfrm.states[0].auth", '"sha1"', "an aead takes neither enc nor auth"]),
    dict(name="xfrm_state_without_aead_or_enc", config=xfrm(states=[sa(aead=None)]),
         expect=["xfrm.states[0]", 'an ESP state needs "aead" or "enc"']),
    dict(name="xfrm_state_auth_only",
         config=xfrm(states=[sa(aead=None, auth={"name": "sha1", "key": "0x" + "22" * 20})]),
         expect=["xfrm.states[0]", 'an ESP state needs "aead" or "enc"']),
    dict(name="xfrm_state_duplicate",
         config=xfrm(states=[sa(), cbc_sha1(spi=4096)]),
         expect=["xfrm.states[1].spi", "4096", "duplicates xfrm.states[0]", "File exists"]),
    dict(name="xfrm_state_replay_window_5000", config=xfrm(states=[sa(replay_window=5000)]),
         expect=["xfrm.states[0].replay_window", "5000 is out of range 0..4096"]),
    dict(name="xfrm_state_replay_oseq_beyond_32_bits",
         config=xfrm(states=[sa(replay_oseq=4294967296)]),
         expect=["xfrm.states[0].replay_oseq", "4294967296 is out of range 0..4294967295"]),
    dict(name="xfrm_state_esn_not_bool", config=xfrm(states=[sa(esn="yes")]),
         expect=["xfrm.states[0].esn", '"yes"', "is not true or false"]),
    dict(name="xfrm_state_mark_unknown_key",
         config=xfrm(states=[sa(mark={"value": 42, "msk": 255})]),
         expect=["xfrm.states[0].mark.msk", 'unknown key "msk"']),
    dict(name="xfrm_state_mark_not_a_number", config=xfrm(states=[sa(mark="vti1")]),
         expect=["xfrm.states[0].mark", '"vti1"', "is not an integer"]),
    dict(name="xfrm_state_mark_value_outside_mask",
         config=xfrm(states=[sa(mark={"value": 42, "mask": 15})]),
         expect=["xfrm.states[0].mark", '{"value":42,"mask":15}',
                 "value has bits outside the mask"]),
    dict(name="xfrm_state_mark_mask_too_big",
         config=xfrm(states=[sa(mark={"value": 1, "mask": "0x100000000"})]),
         expect=["xfrm.states[0].mark.mask", '"0x100000000" is out of range 0..4294967295']),
    dict(name="xfrm_state_mode_transport_accepted", config=xfrm(states=[sa(mode="transport")]),
         exit=0, expect=["proto esp mode transport"]),
    dict(name="xfrm_state_ah_transport",
         config=xfrm(states=[sa(mode="transport", proto="ah", aead=None,
                                auth={"name": "hmac(sha1)", "key": "0x" + "22" * 20})]),
         exit=0, expect=["proto ah mode transport hmac(sha1) icv 96"]),
    dict(name="xfrm_state_natt_transport",
         config=xfrm(states=[sa(mode="transport", encap={"type": "espinudp"})]),
         expect=["xfrm.states[0].encap", "NAT-T in transport mode is not supported yet"]),
    # BEET (RFC 7402): `ip xfrm state add ... mode beet sel src A dst B`
    dict(name="xfrm_state_beet_accepted",
         config=xfrm(states=[sa(mode="beet", sel={"src": "10.1.0.2", "dst": "10.2.0.5"})],
                     policies=[{"dir": "out", "src": "10.1.0.0/24", "dst": "10.2.0.0/24",
                                "tmpl": [tmpl(mode="beet")]}]),
         exit=0, expect=["proto esp mode beet rfc4106(gcm(aes)) icv 128 replay-window 64 "
                         "sel src 10.1.0.2 dst 10.2.0.5"]),
    dict(name="xfrm_state_beet_cross_family_accepted",
         config=xfrm(states=[sa(mode="beet", sel={"src": "2001:db8:1::2", "dst": "2001:db8:2::5"})]),
         exit=0, expect=["mode beet", "sel src 2001:db8:1::2 dst 2001:db8:2::5"]),
    dict(name="xfrm_state_mode_beet", config=xfrm(states=[sa(mode="beet")]),
         expect=["xfrm.states[0]:", 'a state in mode beet needs "sel": {"src", "dst"} '
                 "(the inner addresses)"]),
    dict(name="xfrm_state_beet_sel_not_object",
         config=xfrm(states=[sa(mode="beet", sel="10.1.0.2")]),
         expect=["xfrm.states[0].sel", '"10.1.0.2"', 'is not an object {"src", "dst"}']),
    dict(name="xfrm_state_beet_sel_no_dst",
         config=xfrm(states=[sa(mode="beet", sel={"src": "10.1.0.2"})]),
         expect=["xfrm.states[0].sel", 'needs "src" and "dst" (host addresses)']),
    dict(name="xfrm_state_beet_sel_bad_key",
         config=xfrm(states=[sa(mode="beet", sel={"src": "10.1.0.2", "dst": "10.2.0.5",
                                                  "proto": "udp"})]),
         expect=["xfrm.states[0].sel", '"proto"']),
    dict(name="xfrm_state_beet_sel_families",
         config=xfrm(states=[sa(mode="beet", sel={"src": "10.1.0.2", "dst": "2001:db8::5"})]),
         expect=["xfrm.states[0].sel.dst", '"2001:db8::5"', 'is not of the family of "src"']),
    dict(name="xfrm_state_sel_tunnel_mode",
         config=xfrm(states=[sa(sel={"src": "10.1.0.2", "dst": "10.2.0.5"})]),
         expect=["xfrm.states[0].sel", "a state's selector is taken in mode beet only "
                 "(not supported yet in tunnel mode)"]),
    dict(name="xfrm_state_beet_ah",
         config=xfrm(states=[sa(mode="beet", proto="ah", aead=None,
                                auth={"name": "hmac(sha1)", "key": "0x" + "22" * 20},
                                sel={"src": "10.1.0.2", "dst": "10.2.0.5"})]),
         expect=["xfrm.states[0]:", "AH in beet mode is not supported yet (ESP is)"]),
    dict(name="xfrm_state_beet_mark",
         config=xfrm(states=[sa(mode="beet", mark=42, sel={"src": "10.1.0.2", "dst": "10.2.0.5"})]),
         expect=["xfrm.states[0]:", "a state in beet mode with a mark (a vti's) is not "
                 "supported: a vti carries tunnel mode only (xfrm interfaces and policy-based "
                 "BEET do)"]),
    dict(name="xfrm_state_beet_natt",
         config=xfrm(states=[sa(mode="beet", encap={"type": "espinudp"},
                                sel={"src": "10.1.0.2", "dst": "10.2.0.5"})]),
         expect=["xfrm.states[0].encap", "NAT-T in beet mode is not supported yet"]),
    dict(name="xfrm_tmpl_beet_vti",
         config=xfrm(policies=[pol(tmpl=[tmpl(mode="beet")])]),
         expect=["xfrm.policies[0]:", "a template in beet mode through a vti is not supported: "
                 "a vti carries tunnel mode only (xfrm interfaces and policy-based BEET do)"]),
    # as `ip xfrm state add`, the default mode is transport
    dict(name="xfrm_state_mode_default_transport", config=xfrm(states=[sa(mode=None)]),
         exit=0, expect=["proto esp mode transport"]),
    dict(name="xfrm_state_mode_bad_word", config=xfrm(states=[sa(mode="tunel")]),
         expect=["xfrm.states[0].mode", '"tunel"', 'is not one of "tunnel", "transport", "beet"']),
    # AH through a vti (vti4 registers for AH too): its state goes out through a carrier
    # copied from vti1
    dict(name="xfrm_ah_through_vti",
         config=xfrm(states=[sa(proto="ah", aead=None,
                                auth={"name": "sha1", "key": "0x" + "22" * 20})],
                     policies=[pol(tmpl=[tmpl(proto="ah")])]),
         exit=0, expect=["proto ah mode tunnel hmac(sha1) icv 96",
                         "policy dir out mark 0x2a/0xffffffff allow priority 0 tmpl sa 0x00001000"]),
    dict(name="xfrm_ah_with_enc",
         config=xfrm(states=[sa(proto="ah", aead=None, enc={"name": "cbc(aes)",
                                                            "key": "0x" + "11" * 16},
                                auth={"name": "sha1", "key": "0x" + "22" * 20})]),
         expect=["xfrm.states[0].enc", '"cbc(aes)"', "AH takes auth only"]),
    dict(name="xfrm_ah_without_auth",
         config=xfrm(states=[sa(proto="ah", aead=None)]),
         expect=["xfrm.states[0]", 'an AH state needs "auth"']),
    # NAT-T (RFC 3948): espinudp, ESP over IPv4 only
    dict(name="xfrm_state_encap_natt_accepted",
         config=xfrm(states=[sa(encap={"type": "espinudp", "sport": 4500, "dport": 4500}),
                             sa(src="192.0.2.9", dst="192.0.2.1", spi=0x1001,
                                encap={"type": "espinudp"})]),
         exit=0, expect=["encap espinudp 4500 4500", "udp port 4500 ipv4 espinudp"]),
    dict(name="xfrm_state_encap_not_object",
         config=xfrm(states=[sa(encap="espinudp")]),
         expect=["xfrm.states[0].encap", "is not an object"]),
    dict(name="xfrm_state_encap_nonike",
         config=xfrm(states=[sa(encap={"type": "espinudp-nonike"})]),
         expect=["xfrm.states[0].encap.type", '"espinudp-nonike"']),
    dict(name="xfrm_state_encap_ah",
         config=xfrm(states=[sa(proto="ah", aead=None,
                                auth={"name": "hmac(sha1)", "key": "0x" + "22" * 20},
                                encap={"type": "espinudp"})]),
         expect=["xfrm.states[0].encap", "for ESP states only"]),
    # espinudp over IPv6 (the kernel's esp6 since 5.8): the inbound state opens UDP 4500 on IPv6
    dict(name="xfrm_state_encap_ipv6",
         config=xfrm(states=[sa(src="2001:db8:ffff::9", dst="2001:db8:ffff::1",
                                encap={"type": "espinudp"})]),
         exit=0, expect=["udp port 4500 ipv6 espinudp", "encap espinudp 4500 4500"]),
    dict(name="xfrm_state_encap_ipv6_port_taken",
         config=xfrm(states=[sa(src="2001:db8:ffff::9", dst="2001:db8:ffff::1", spi=0x1001,
                                encap={"type": "espinudp", "dport": 5555})],
                     fn=lambda c: c.update(fou=[{"port": 5555, "ipproto": 4, "family": "ipv6"}])),
         expect=["xfrm.states[0].encap.dport", "UDP port 5555 (IPv6) is already taken by fou"]),
    dict(name="xfrm_state_encap_port_0",
         config=xfrm(states=[sa(encap={"type": "espinudp", "dport": 0})]),
         expect=["xfrm.states[0].encap.dport", "0"]),
    dict(name="xfrm_state_encap_port_taken",
         config=xfrm(states=[sa(src="192.0.2.9", dst="192.0.2.1", spi=0x1001,
                                encap={"type": "espinudp", "dport": 5555})],
                     fn=lambda c: c.update(fou=[{"port": 5555, "ipproto": 4}])),
         expect=["xfrm.states[0].encap.dport", "UDP port 5555 (IPv4) is already taken by fou"]),
    # policies and templates
    dict(name="xfrm_policies_not_an_array",
         config=xfrm(fn=lambda c: c["xfrm"].update(policies=pol())),
         expect=["xfrm.policies", '{"dir":"out"', "is not an array"]),
    dict(name="xfrm_policy_not_an_object", config=xfrm(policies=[42]),
         expect=["xfrm.policies[0]", "42", "is not an object"]),
    dict(name="xfrm_policy_unknown_key", config=xfrm(policies=[pol(tmpls=[])]),
         expect=["xfrm.policies[0].tmpls", 'unknown key "tmpls"']),
    dict(name="xfrm_policy_without_dir", config=xfrm(policies=[pol(dir=None)]),
         expect=["xfrm.policies[0]", 'a policy needs "dir": "in", "out" or "fwd"']),
    dict(name="xfrm_policy_bad_dir", config=xfrm(policies=[pol(dir="both")]),
         expect=["xfrm.policies[0].dir", '"both"', 'is not one of "in", "out", "fwd"']),
    dict(name="xfrm_policy_bad_selector",
         config=xfrm(policies=[pol(src="10.1.0.0/33")]),
         expect=["xfrm.policies[0].src", '"10.1.0.0/33"', "is not an address or prefix"]),
    dict(name="xfrm_policy_selector_family_mismatch",
         config=xfrm(policies=[pol(src="10.1.0.0/24", dst="2001:db8:b::/48")]),
         expect=["xfrm.policies[0].dst", '"2001:db8:b::/48"', 'is not of the family of "src"']),
    dict(name="xfrm_policy_sport_without_proto", config=xfrm(policies=[pol(sport=53)]),
         expect=["xfrm.policies[0]", '"sport"/"dport" need "proto"']),
    dict(name="xfrm_policy_dport_65536", config=xfrm(policies=[pol(proto="udp", dport=65536)]),
         expect=["xfrm.policies[0].dport", "65536 is out of range 0..65535"]),
    dict(name="xfrm_policy_bad_proto_name", config=xfrm(policies=[pol(proto="tpc")]),
         expect=["xfrm.policies[0].proto", '"tpc"', "is not a protocol name"]),
    dict(name="xfrm_policy_proto_256", config=xfrm(policies=[pol(proto=256)]),
         expect=["xfrm.policies[0].proto", "256 is out of range 0..255"]),
    dict(name="xfrm_policy_bad_action", config=xfrm(policies=[pol(action="deny")]),
         expect=["xfrm.policies[0].action", '"deny"', 'is not one of "allow", "block"']),
    dict(name="xfrm_policy_priority_negative", config=xfrm(policies=[pol(priority=-1)]),
         expect=["xfrm.policies[0].priority", "-1 is out of range 0..4294967295"]),
    dict(name="xfrm_policy_tmpl_not_an_array", config=xfrm(policies=[pol(tmpl=tmpl())]),
         expect=["xfrm.policies[0].tmpl", '{"src":"192.0.2.1"', "is not an array"]),
    dict(name="xfrm_policy_two_tmpls", config=xfrm(policies=[pol(tmpl=[tmpl(), tmpl()])]),
         expect=["xfrm.policies[0].tmpl",
                 "more than one template (SA bundles) is not supported yet"]),
    dict(name="xfrm_policy_tunnel_tmpl_without_src",
         config=xfrm(policies=[pol(tmpl=[tmpl(src=None)])]),
         expect=["xfrm.policies[0].tmpl[0]",
                 'a tunnel-mode template needs "src" and "dst" (the SA\'s endpoints)']),
    dict(name="xfrm_policy_tmpl_unknown_key",
         config=xfrm(policies=[pol(tmpl=[tmpl(aead="rfc4106(gcm(aes))")])]),
         expect=["xfrm.policies[0].tmpl[0].aead", 'unknown key "aead"']),
    dict(name="xfrm_policy_tmpl_family_mismatch",
         config=xfrm(policies=[pol(tmpl=[tmpl(dst="2001:db8:ffff::9")])]),
         expect=["xfrm.policies[0].tmpl[0].dst", '"2001:db8:ffff::9"',
                 'is not of the family of "src"']),
    dict(name="xfrm_policy_tmpl_spi_0", config=xfrm(policies=[pol(tmpl=[tmpl(spi=0)])]),
         expect=["xfrm.policies[0].tmpl[0].spi", "0 is out of range 1..4294967295"]),
    # vti and vti6 tunnels (the xfrm mark is the tunnel's key)
    dict(name="xfrm_vti_key_and_ikey", config=xfrm(vti={"ikey": 43}),
         expect=["tunnels[1]", 'tunnel "vti1": give "key" or "ikey"/"okey", not both']),
    dict(name="xfrm_vti_bad_key", config=xfrm(vti={"key": "0.0.0.256"}),
         expect=["tunnels[1].key", '"0.0.0.256"', "(0..4294967295 or a dotted quad)"]),
    dict(name="xfrm_vti_ipv6_remote", config=xfrm(vti={"remote": "2001:db8:ffff::9"}),
         expect=["tunnels[1].remote", '"2001:db8:ffff::9"', "is not an IPv4 address"]),
    dict(name="xfrm_vti6_ipv4_local",
         config=xfrm(vti={"type": "vti6", "local": "192.0.2.1", "remote": "2001:db8:ffff::9"}),
         expect=["tunnels[1].local", '"192.0.2.1"', "is not an IPv6 address"]),
    dict(name="xfrm_vti6_encaplimit_refused",
         config=xfrm(vti={"type": "vti6", "local": "2001:db8:ffff::1",
                          "remote": "2001:db8:ffff::9", "encaplimit": 4}),
         expect=["tunnels[1].encaplimit", 'unknown key "encaplimit"']),
    # as the kernel: one vti per pair of endpoints, whatever the keys
    dict(name="xfrm_vti_same_endpoints_other_key",
         config=xfrm(fn=lambda c: c["tunnels"].append(dict(_VTI, name="vti2", key=43,
                                                           addresses=[]))),
         expect=["tunnels[2]", '"192.0.2.9"', 'receives the same packets as "vti1"']),
    # accepted configurations
    dict(name="integer_as_hex_string_accepted", config=tun(ttl="0x40", tos="0x20", mtu="1400"),
         exit=0),
    dict(name="integer_as_decimal_string_accepted",
         config=tun(type="ip6tnl", local="2001:db8:ffff::1", remote="2001:db8:ffff::2",
                    hoplimit="32", encaplimit="0x2", flowlabel="12345", mode="any"),
         exit=0),
    dict(name="gre_family_bridge_mirror_accepted",
         config=l2(_l2_everything),
         exit=0),
    dict(name="ip6_gre_family_accepted",
         config=edit(lambda c: c["tunnels"].extend([
             {"name": "g6", "type": "ip6gre", "local": "2001:db8:ffff::1",
              "remote": "2001:db8:ffff::2", "ikey": 5, "okey": 6, "encaplimit": "none",
              "flowlabel": "inherit", "hoplimit": 32},
             {"name": "e6", "type": "ip6erspan", "local": "2001:db8:ffff::1",
              "remote": "2001:db8:ffff::3", "key": "1023", "erspan_ver": 2,
              "erspan_dir": "egress", "erspan_hwid": 63}])),
         exit=0),
    dict(name="udp_tunnels_accepted", config=l2(_udp_everything), exit=0),
    dict(name="xfrm_vti_kernel_docs_accepted", config=edit(_vti_kernel_docs), exit=0),
    dict(name="xfrm_iface_kernel_docs_ah_accepted", config=edit(_xfrm_kernel_docs), exit=0),
    # route-based only (policy-based IPsec comes later)
    # policy-based: no mark, no if_id (forwarded traffic, tgw.xfrm_pb)
    dict(name="xfrm_policy_based_accepted",
         config=xfrm(policies=[{"dir": "fwd", "proto": 47},
                               {"dir": "out", "dst": "10.9.0.0/24",
                                "tmpl": [{"src": "192.0.2.1", "dst": "192.0.2.9",
                                          "mode": "tunnel"}]}]),
         exit=0),
    dict(name="xfrm_policy_fwd_with_mark",
         config=xfrm(policies=[{"dir": "fwd", "mark": 5, "proto": 47}]),
         expect=["xfrm.policies[0]", "a fwd policy with a mark selects no traffic"]),
    dict(name="xfrm_policy_without_vti_mark",
         config=xfrm(policies=[{"dir": "out", "mark": 77, "dst": "10.9.0.0/24",
                                "tmpl": [{"src": "192.0.2.1", "dst": "192.0.2.2",
                                          "mode": "tunnel"}]}]),
         expect=["xfrm.policies[0]", "no vti's okey selects this policy",
                 "policy-based IPsec takes policies without a mark"]),
    dict(name="xfrm_policy_if_id_without_interface",
         config=xfrm(policies=[{"dir": "in", "if_id": 3}]),
         expect=["xfrm.policies[0]", "no xfrm interface has if_id 3"]),
    # transport mode: policy-based "in"/"out" only (the gateway's own traffic)
    dict(name="xfrm_tmpl_transport_vti_refused",
         config=xfrm(policies=[{"dir": "out", "mark": 1, "tmpl": [{"proto": "esp"}]}]),
         expect=["xfrm.policies[0]", "a template in transport mode protects the gateway's own "
                 "traffic"]),
    dict(name="xfrm_tmpl_transport_fwd_refused",
         config=xfrm(policies=[{"dir": "fwd", "tmpl": [{"proto": "esp"}]}]),
         expect=["xfrm.policies[0]", "only a policy-based \"in\" or \"out\" policy"]),
    # ipip over transport AH hmac(sha1): 1500 - 24 (AH, 8-aligned) - 20 = 1456
    dict(name="xfrm_tmpl_ah_transport",
         config=xfrm(states=[sa(mode="transport", dst="192.0.2.2", proto="ah", aead=None,
                                auth={"name": "hmac(sha1)", "key": "0x" + "22" * 20})],
                     policies=[{"dir": "out", "src": "192.0.2.1", "dst": "192.0.2.2",
                                "proto": "ipip", "tmpl": [{"proto": "ah"}]}]),
         exit=0, expect=["tunnel ipip0      ipip mode ipip local 192.0.2.1 remote 192.0.2.2 mtu 1456"]),
    dict(name="xfrm_tmpl_beet_ah",
         config=xfrm(policies=[{"dir": "out", "tmpl": [{"proto": "ah", "mode": "beet"}]}]),
         expect=["xfrm.policies[0].tmpl[0].mode", "an AH template in beet mode is not supported yet"]),
    dict(name="xfrm_tunnel_outer_beet_refused",
         config=xfrm(states=[sa(mode="beet", dst="192.0.2.2", sel={"src": "10.1.0.2", "dst": "10.2.0.5"})],
                     policies=[{"dir": "out", "dst": "192.0.2.2/32",
                                "tmpl": [{"proto": "esp", "mode": "beet"}]}]),
         expect=["tunnels[0]", 'tunnel "ipip0": its outer packets meet xfrm.policies[0], which '
                 "asks for beet mode: not supported yet (transport and tunnel mode are)"]),
    dict(name="xfrm_gre_transport_accepted",
         config=xfrm(states=[sa(mode="transport", dst="192.0.2.2")],
                     policies=[{"dir": "out", "src": "192.0.2.1", "dst": "192.0.2.2",
                                "proto": "ipip", "tmpl": [{"proto": "esp", "mode": "transport"}]}]),
         exit=0, expect=["tunnel ipip0      ipip mode ipip local 192.0.2.1 remote 192.0.2.2 mtu 1446"]),
    # ipip0's outer packets in tunnel-mode ESP to 192.0.2.9 (rfc4106(gcm(aes)) 128):
    # 1500 - 20 - 8 - 8 - 16, down to 4, - 2 = 1446 for the outer packet, - 20 = 1426
    dict(name="xfrm_tunnel_outer_tunnel_mode",
         config=xfrm(policies=[{"dir": "out", "dst": "192.0.2.2/32",
                                "tmpl": [{"src": "192.0.2.1", "dst": "192.0.2.9",
                                          "mode": "tunnel"}]}]),
         exit=0, expect=["tunnel ipip0      ipip mode ipip local 192.0.2.1 remote 192.0.2.2 mtu 1426"]),
    dict(name="xfrm_tunnel_outer_block",
         config=xfrm(policies=[{"dir": "out", "proto": "ipip", "action": "block"}]),
         exit=0, expect=["tunnel ipip0      ipip mode ipip local 192.0.2.1 remote 192.0.2.2 mtu 1480"]),
    dict(name="xfrm_vti6_everything_accepted", config=edit(_vti6_everything), exit=0),
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
                # an accepted configuration's --check summary shows what it was read as
                for s in case.get("expect", []) if "--check" in args else []:
                    if s not in msg:
                        raise AssertionError(f"{how}: summary lacks {s!r}: {msg[-600:]!r}")
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
