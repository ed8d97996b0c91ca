"""IPsec ESP tunnel mode over vti and vti6 (RFC 4303; SPEC sections 2 and 3), end to end.

The independent peer is scapy's SecurityAssociation (scapy 2.5, python3-cryptography): tungw's
ESP output must decrypt there, and scapy's ESP must decrypt in tungw.  tshark with the SAs
configured decrypts tungw's output and checks its ICV (esp.icv_good) where it knows the
algorithm (not chacha20-poly1305).

Kernel reference: net/ipv4/ip_vti.c (vti_input: SA lookup with the vti's ikey as mark;
vti_rcv_cb: in-policy check with that mark; vti_xmit: out policy with okey, SA endpoints must
be the tunnel's), net/xfrm/xfrm_input.c, xfrm_replay.c, net/ipv4/esp4.c, xfrm4_mode_tunnel
(outer TTL 64, DS copied from the inner with INET_ECN_encapsulate, DF copied from an IPv4
inner)."""

import os
import struct
import subprocess

from scapy.layers.ipsec import ESP, SecurityAssociation, _ESPPlain

import tgw
from tgw import (IP, IPv6, UDP, Raw, LAN_HOST4, LAN_HOST6, PEER4, PEER6, REMOTE4, REMOTE6, WAN4,
                 WAN6, assert_drops, assert_no_output, assert_pkts, assert_tunnel, fwd4, fwd6,
                 lan_in, lan_out, udp4, udp6, wan_in)

KEY = 5          # the vti key = the xfrm mark of its policies
SPI_OUT, SPI_IN = 0x1001, 0x2001


def _key(n, seed):
    return bytes((seed + 3 * i) & 0xff for i in range(n))


# name: (tungw state algorithms, scapy SA arguments, tshark esp_sa encryption, authentication)
ALGS = {
    "gcm128": ({"aead": {"name": "rfc4106(gcm(aes))", "key": _key(20, 1), "icv_bits": 128}},
               {"crypt_algo": "AES-GCM", "crypt_key": _key(20, 1)},
               ("AES-GCM with 16 octet ICV [RFC4106]", _key(20, 1), "NULL", b"")),
    "gcm256": ({"aead": {"name": "rfc4106(gcm(aes))", "key": _key(36, 2)}},
               {"crypt_algo": "AES-GCM", "crypt_key": _key(36, 2)},
               ("AES-GCM with 16 octet ICV [RFC4106]", _key(36, 2), "NULL", b"")),
    "cbc-sha1": ({"enc": {"name": "cbc(aes)", "key": _key(16, 3)},
                  "auth": {"name": "hmac(sha1)", "key": _key(20, 4)}},
                 {"crypt_algo": "AES-CBC", "crypt_key": _key(16, 3),
                  "auth_algo": "HMAC-SHA1-96", "auth_key": _key(20, 4)},
                 ("AES-CBC [RFC3602]", _key(16, 3), "HMAC-SHA-1-96 [RFC2404]", _key(20, 4))),
    "cbc-sha256": ({"enc": {"name": "aes", "key": _key(32, 5)},
                    "auth": {"name": "sha256", "key": _key(32, 6)}},
                   {"crypt_algo": "AES-CBC", "crypt_key": _key(32, 5),
                    "auth_algo": "SHA2-256-128", "auth_key": _key(32, 6)},
                   ("AES-CBC [RFC3602]", _key(32, 5), "HMAC-SHA-256-128 [RFC4868]",
                    _key(32, 6))),
    "cbc-sha512": ({"enc": {"name": "cbc(aes)", "key": _key(24, 7)},
                    "auth": {"name": "hmac(sha512)", "key": _key(64, 8)}},
                   {"crypt_algo": "AES-CBC", "crypt_key": _key(24, 7),
                    "auth_algo": "SHA2-512-256", "auth_key": _key(64, 8)},
                   ("AES-CBC [RFC3602]", _key(24, 7), "HMAC-SHA-512-256 [RFC4868]",
                    _key(64, 8))),
    "ctr-sha256": ({"enc": {"name": "rfc3686(ctr(aes))", "key": _key(20, 9)},
                    "auth": {"name": "hmac(sha256)", "key": _key(32, 10)}},
                   {"crypt_algo": "AES-CTR", "crypt_key": _key(20, 9),
                    "auth_algo": "SHA2-256-128", "auth_key": _key(32, 10)},
                   ("AES-CTR [RFC3686]", _key(20, 9), "HMAC-SHA-256-128 [RFC4868]",
                    _key(32, 10))),
    "chacha": ({"aead": {"name": "rfc7539esp(chacha20,poly1305)", "key": _key(36, 11)}},
               {"crypt_algo": "CHACHA20-POLY1305", "crypt_key": _key(36, 11)},
               None),
    "null-sha256": ({"enc": {"name": "ecb(cipher_null)", "key": ""},
                     "auth": {"name": "hmac(sha256)", "key": _key(32, 12)}},
                    {"crypt_algo": "NULL", "crypt_key": None,
                     "auth_algo": "SHA2-256-128", "auth_key": _key(32, 12)},
                    ("NULL", b"", "HMAC-SHA-256-128 [RFC4868]", _key(32, 12))),
}


def _hexkeys(algs):
    """The JSON form: keys as 0x-hex strings (an empty key stays "")."""
    out = {}
    for k, v in algs.items():
        v = dict(v)
        if isinstance(v.get("key"), bytes):
            v["key"] = "0x" + v["key"].hex() if v["key"] else ""
        out[k] = v
    return out


def cfg(alg="gcm128", six=False, state_extra=None, out_policy=True, in_policy=True,
        in_tmpl_extra=None, policies=None):
    """lan0/wan0 with vti1 (or vti6 over IPv6) key 5 to the peer, its two SAs and policies as
    the kernel docs' VTI example, routes to 10.2.0.0/24 and 2001:db8:2::/64 into it."""
    local, remote = (WAN6, PEER6) if six else (WAN4, PEER4)
    t = {"name": "vti1", "type": "vti6" if six else "vti", "key": KEY, "local": local,
         "remote": remote, "addresses": ["10.0.0.1/30"]}
    states = []
    for src, dst, spi in ((local, remote, SPI_OUT), (remote, local, SPI_IN)):
        s = {"src": src, "dst": dst, "proto": "esp", "spi": spi, "mode": "tunnel"}
        s.update(_hexkeys(ALGS[alg][0]))
        s.update(state_extra or {})
        states.append(s)
    pols = []
    if in_policy:
        tm = {"src": remote, "dst": local, "proto": "esp", "mode": "tunnel"}
        tm.update(in_tmpl_extra or {})
        pols.append({"dir": "in", "mark": KEY, "tmpl": [tm]})
    if out_policy:
        pols.append({"dir": "out", "mark": KEY,
                     "tmpl": [{"src": local, "dst": remote, "proto": "esp", "mode": "tunnel"}]})
    c = tgw.base_config(tunnels=[t], routes=[{"dst": "10.2.0.0/24", "dev": "vti1"},
                                             {"dst": "2001:db8:2::/64", "dev": "vti1"}])
    c["xfrm"] = {"states": states, "policies": policies if policies is not None else pols}
    return c


def peer_sa(alg, spi, six=False, **kw):
    """scapy's view of one of the two SAs (outer addresses of that direction)."""
    local, remote = (WAN6, PEER6) if six else (WAN4, PEER4)
    hdr = (IPv6(src=local, dst=remote) if six else IP(src=local, dst=remote)) \
        if spi == SPI_OUT else \
        (IPv6(src=remote, dst=local) if six else IP(src=remote, dst=local))
    return SecurityAssociation(ESP, spi=spi, tunnel_header=hdr, **ALGS[alg][1], **kw)


def esp_in(alg, inners, six=False, seqs=None, **kw):
    """wan0 frames from the peer: scapy encrypts each inner packet with SA SPI_IN."""
    sa = peer_sa(alg, SPI_IN, six, **kw)
    out = []
    for i, p in enumerate(inners):
        seq = seqs[i] if seqs else i + 1
        out.append(wan_in(sa.encrypt(p, seq_num=seq)))
    return out


def decrypt_out(alg, frames, six=False, **kw):
    """Decrypt tungw's ESP frames with scapy (ICV verified); returns the inner packets."""
    sa = peer_sa(alg, SPI_OUT, six, **kw)
    inner = []
    for f in frames:
        outer = f[IPv6] if six else f[IP]
        assert outer.nh == 50 if six else outer.proto == 50, f"not ESP: {f.summary()}"
        d = sa.decrypt(outer.__class__(bytes(outer)))
        inner.append(d)
    return inner


def tshark_esp(path, alg, six=False):
    """(spi, seq, icv_good, inner ip.src) per frame of an ESP pcap, decrypted by tshark."""
    enc, ekey, auth, akey = ALGS[alg][2]
    src, dst = (WAN6, PEER6) if six else (WAN4, PEER4)
    sa = (f'"{"IPv6" if six else "IPv4"}","{src}","{dst}","0x{SPI_OUT:08x}","{enc}",'
          f'"0x{ekey.hex()}","{auth}","{"0x" + akey.hex() if akey else ""}"')
    cmd = ["tshark", "-n", "-r", path, "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE", "-o", f"uat:esp_sa:{sa}",
           "-T", "fields", "-E", "separator=|", "-e", "esp.spi", "-e", "esp.sequence",
           "-e", "esp.icv_good", "-e", "ip.src", "-e", "ipv6.src", "-e", "udp.dstport"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    return [line.split("|") for line in p.stdout.splitlines()]


def inners4(n=5, dst=REMOTE4):
    return [udp4(dst=dst, size=60 + 37 * i, id=i + 1) for i in range(n)]


def inners6(n=3, dst=REMOTE6):
    return [udp6(dst=dst, size=80 + 41 * i) for i in range(n)]


# --------------------------------------------------------------------------- encap

def _encap_case(alg, six=False):
    i4, i6 = inners4(4), inners6(3)
    r = tgw.run(cfg(alg, six), {"lan0": [lan_in(p) for p in i4 + i6]})
    got = r.out.get("wan0", [])
    assert len(got) == 7, f"{alg}: {len(got)} ESP frames, expected 7"
    dec = decrypt_out(alg, got, six)
    assert_pkts([lan_out(d) for d in dec],
                [lan_out(fwd4(p)) for p in i4] + [lan_out(fwd6(p)) for p in i6],
                f"{alg}: decrypted inner packets")
    seqs = [f[ESP].seq for f in got]
    assert sorted(seqs) == list(range(1, 8)), f"{alg}: sequence numbers {seqs}"
    for f, inner in zip(got, i4 + i6):
        if six:
            o = f[IPv6]
            assert (o.src, o.dst, o.nh, o.hlim) == (WAN6, PEER6, 50, 64), f.summary()
        else:
            o = f[IP]
            assert (o.src, o.dst, o.proto, o.ttl) == (WAN4, PEER4, 50, 64), f.summary()
        assert f[ESP].spi == SPI_OUT
    assert_drops(r, {})
    assert_tunnel(r, "vti1", encap_packets=7,
                  encap_bytes=sum(len(p) for p in i4 + i6))
    sa = r.stats["sas"][f"0x{SPI_OUT:08x}"]
    assert sa["packets"] == 7 and sa["bytes"] == sum(len(p) for p in i4 + i6), sa
    if ALGS[alg][2] is not None:
        path = os.path.join(r.dir if os.environ.get("TGW_KEEP") == "1" else "/tmp",
                            f"tgw-esp-{os.getpid()}-{alg}.pcap")
        tgw.write_pcap(path, got)
        try:
            rows = tshark_esp(path, alg, six)
        finally:
            os.unlink(path)
        assert len(rows) == 7 and all(row[2] == "1" for row in rows), \
            f"{alg}: tshark ICV check: {rows}"
        outer = (WAN6, WAN4)
        srcs = [x for row in rows for x in row[3].split(",") + row[4].split(",")
                if x and x not in outer]
        assert srcs.count(LAN_HOST4) == 4 and srcs.count(LAN_HOST6) == 3, \
            f"{alg}: tshark's decrypted inner sources {srcs}"


def test_encap_each_algorithm():
    """Every ESP algorithm: IPv4 and IPv6 inner packets routed into vti1 leave wan0 as ESP
    that scapy decrypts to the forwarded inner packets (TTL - 1), sequence numbers 1..7,
    outer TTL 64; tshark verifies the ICV and decrypts (except chacha20, unknown to it)."""
    res = []
    for alg in ALGS:
        try:
            _encap_case(alg)
            res.append((alg, None))
        except AssertionError as e:
            res.append((alg, str(e)))
    return res


def test_encap_vti6():
    """vti6: the same over an IPv6 outer header (next header 50, hop limit 64)."""
    _encap_case("gcm128", six=True)
    _encap_case("cbc-sha1", six=True)


def test_encap_outer_fields():
    """The outer DS field inherits the inner's with INET_ECN_encapsulate (CE -> ECT(0)), DF
    copies an IPv4 inner's and is set for an IPv6 inner (xfrm6_extract_header's frag_off,
    which xfrm4_tunnel_encap_add copies) longer than 1280 bytes (Linux 5.19: a smaller one
    gets no DF), the ESP padding of CBC is 1, 2, 3 ... (checked by scapy's decrypt), IVs
    differ between packets."""
    inners = [udp4(tos=0xb8, id=1), udp4(tos=0x03, flags=0, id=2), udp4(tos=0x01, id=3),
              udp6(tc=0x20, size=1280), udp6(tc=0x20, size=1281)]
    r = tgw.run(cfg("cbc-sha1"), {"lan0": [lan_in(p) for p in inners]})
    got = r.out["wan0"]
    assert [f[IP].tos for f in got] == [0xb8, 0x02, 0x01, 0x20, 0x20], \
        [f[IP].tos for f in got]
    assert [int(f[IP].flags) for f in got] == [2, 0, 2, 0, 2], [f[IP].flags for f in got]
    ivs = [bytes(f[ESP].data)[:16] for f in got]
    assert len(set(ivs)) == 5, "CBC IVs repeat"
    dec = decrypt_out("cbc-sha1", got)
    assert [bytes(d) for d in dec] == [bytes(fwd4(p)) for p in inners[:3]] + \
        [bytes(fwd6(p)) for p in inners[3:]]


def test_encap_cbc_iv_unpredictable():
    """CBC IVs are not a PRNG's output seen on the wire (rte_rand's LFSR is predictable
    from a few of them) but E_K(seq || salt) (SP 800-38A Appendix C, as Linux's echainiv):
    AES-decrypting each IV with the state's key (python's cryptography, not tungw) gives
    the packet's 64-bit sequence number and a salt that is the same for every packet of
    the run and differs in a second run of the same configuration (random per SA)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    key = ALGS["cbc-sha1"][0]["enc"]["key"]
    salts = []
    for run in range(2):
        r = tgw.run(cfg("cbc-sha1"), {"lan0": [lan_in(udp4(id=i + 1)) for i in range(4)]})
        got = r.out["wan0"]
        assert len(got) == 4, f"run {run}: {len(got)} ESP packets"
        dec = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
        nonces = [dec.update(bytes(f[ESP].data)[:16]) for f in got]
        seqs = [struct.unpack("!Q", n[:8])[0] for n in nonces]
        assert seqs == [f[ESP].seq for f in got] == [1, 2, 3, 4], \
            f"run {run}: D_K(IV) starts {seqs}, ESP seq {[f[ESP].seq for f in got]}"
        run_salts = {n[8:] for n in nonces}
        assert len(run_salts) == 1, f"run {run}: salts {run_salts}"
        salts += run_salts
        assert len(decrypt_out("cbc-sha1", got)) == 4
    assert salts[0] != salts[1], f"the same salt in two runs: {salts[0].hex()}"


def test_encap_counter_iv_salted():
    """Counter-mode IVs (GCM, CTR, chacha20-poly1305) are the 64-bit sequence number XOR a
    salt random per state (Linux's seqiv): unique in a run, and a restart with the same
    manual keys, which counts from 1 again, does not send the same (key, IV) pairs again
    (for GCM a repeated nonce gives the authentication key away). Two runs of the same
    configuration: IV XOR seq is one value per run, and the two runs' differ."""
    for alg in ("gcm128", "ctr-sha256", "chacha"):
        salts, ivs = [], []
        for run in range(2):
            r = tgw.run(cfg(alg), {"lan0": [lan_in(udp4(id=i + 1)) for i in range(4)]})
            got = r.out["wan0"]
            assert len(got) == 4, f"{alg} run {run}: {len(got)} ESP packets"
            iv = [struct.unpack("!Q", bytes(f[ESP].data)[:8])[0] for f in got]
            assert [f[ESP].seq for f in got] == [1, 2, 3, 4], f"{alg}: seq"
            run_salts = {v ^ f[ESP].seq for v, f in zip(iv, got)}
            assert len(run_salts) == 1, f"{alg} run {run}: IV ^ seq {run_salts}"
            assert len(decrypt_out(alg, got)) == 4
            salts += run_salts
            ivs.append(iv)
        assert salts[0] != salts[1], f"{alg}: the same IVs in two runs: {ivs[0]}"


# --------------------------------------------------------------------------- decap

def _decap_case(alg, six=False):
    i4 = [udp4(src=REMOTE4, dst=LAN_HOST4, size=70 + 13 * i, id=i + 1) for i in range(4)]
    i6 = [udp6(src=REMOTE6, dst=LAN_HOST6, size=90 + 17 * i) for i in range(3)]
    frames = esp_in(alg, i4 + i6, six)
    r = tgw.run(cfg(alg, six), {"wan0": frames})
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(p)) for p in i4] +
                [lan_out(fwd6(p)) for p in i6], f"{alg}: lan0")
    assert_drops(r, {})
    assert_tunnel(r, "vti1", decap_packets=7, decap_bytes=sum(len(p) for p in i4 + i6))
    sa = r.stats["sas"][f"0x{SPI_IN:08x}"]
    assert sa == {"packets": 7, "bytes": sum(len(p) for p in i4 + i6), "replay": 0,
                  "auth_failed": 0}, sa


def test_decap_each_algorithm():
    """scapy's ESP (each algorithm, IPv4 and IPv6 inner) from the peer is decrypted and the
    inner packets forwarded to lan0; SA and tunnel counters count them."""
    res = []
    for alg in ALGS:
        try:
            _decap_case(alg)
            res.append((alg, None))
        except AssertionError as e:
            res.append((alg, str(e)))
    return res


def test_decap_vti6():
    _decap_case("gcm256", six=True)
    _decap_case("cbc-sha256", six=True)


def test_round_trip_gateways():
    """Gateway A's ESP output fed to gateway B (the mirrored configuration) comes out as the
    inner packets, bit-exact after two forwarding hops."""
    inners = inners4(6) + inners6(2)
    a = tgw.run(cfg("cbc-sha256"), {"lan0": [lan_in(p) for p in inners]})
    esp = a.out["wan0"]
    # B is the peer: the mirrored addresses, its out SA is A's in SA and the reverse
    b_cfg = cfg("cbc-sha256")
    t = b_cfg["tunnels"][0]
    t["local"], t["remote"] = PEER4, WAN4
    b_cfg["ports"][1]["addresses"] = [PEER4 + "/24"]
    b_cfg["neighbors"] = [{"dst": WAN4, "lladdr": tgw.WAN_MAC, "dev": "wan0"},
                          {"dst": LAN_HOST4, "lladdr": tgw.LAN_HOST_MAC, "dev": "lan0"},
                          {"dst": REMOTE4, "lladdr": tgw.LAN_HOST_MAC, "dev": "lan0"}]
    b_cfg["routes"] = [{"dst": "10.2.0.0/24", "dev": "lan0"},
                       {"dst": "2001:db8:2::/64", "dev": "lan0"}]
    b_cfg["ports"][0]["addresses"] = ["10.2.0.1/24", "2001:db8:2::1/64"]
    b_cfg["neighbors"].append({"dst": REMOTE6, "lladdr": tgw.LAN_HOST_MAC, "dev": "lan0"})
    for s in b_cfg["xfrm"]["states"]:
        s["src"], s["dst"] = s["dst"], s["src"]
    st = b_cfg["xfrm"]["states"]
    st[0]["spi"], st[1]["spi"] = SPI_IN, SPI_OUT
    for pol in b_cfg["xfrm"]["policies"]:
        tm = pol["tmpl"][0]
        tm["src"], tm["dst"] = tm["dst"], tm["src"]
    frames = [tgw.Ether(src=tgw.WAN_MAC, dst=tgw.WAN_MAC) / f[IP] for f in esp]
    b = tgw.run(b_cfg, {"wan0": frames})
    assert_pkts(b.out.get("lan0", []),
                [tgw.Ether(src=tgw.LAN_MAC, dst=tgw.LAN_HOST_MAC) / fwd4(fwd4(p))
                 for p in inners[:6]] +
                [tgw.Ether(src=tgw.LAN_MAC, dst=tgw.LAN_HOST_MAC) / fwd6(fwd6(p))
                 for p in inners[6:]], "B's lan0")
    assert_drops(b, {})


# --------------------------------------------------------------------------- bad input

def _esp_custom(alg, inner_bytes, nh, seq, pad_fix=None, spi=SPI_IN):
    """An ESP packet from the peer built field by field (scapy's _ESPPlain), so that the
    padding or next header can be wrong; ICV valid."""
    sa = peer_sa(alg, spi)
    algo = sa.crypt_algo
    esp = _ESPPlain(spi=spi, seq=seq, iv=algo.generate_iv(), data=inner_bytes, nh=nh)
    esp = algo.pad(esp)
    if pad_fix:
        esp = pad_fix(esp)
    esp = algo.encrypt(sa, esp, sa.crypt_key, sa.crypt_icv_size)
    sa.auth_algo.sign(esp, sa.auth_key)
    return wan_in(IP(bytes(IP(src=PEER4, dst=WAN4, proto=50) / esp)))


def test_replay_and_window():
    """A duplicate, a packet left of the 64-packet window and sequence number 0 are dropped
    (esp_replay, counted on the SA); packets out of order inside the window pass."""
    inner = [udp4(src=REMOTE4, dst=LAN_HOST4, id=i) for i in range(8)]
    seqs = [1, 2, 2, 100, 40, 36, 37, 0]  # 2 again; 36 < 100 - 64 + 1; 0 never valid
    r = tgw.run(cfg("gcm128"), {"wan0": esp_in("gcm128", inner, seqs=seqs)})
    ok = [inner[i] for i in (0, 1, 3, 4, 6)]
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(p)) for p in ok], "lan0")
    assert_drops(r, {"esp_replay": 3})
    assert r.stats["sas"][f"0x{SPI_IN:08x}"]["replay"] == 3


def test_replay_window_off_and_large():
    """replay_window 0 accepts a duplicate; a 4096-packet window accepts sequence 10 after
    4000."""
    inner = [udp4(src=REMOTE4, dst=LAN_HOST4, id=i) for i in range(3)]
    r = tgw.run(cfg("gcm128", state_extra={"replay_window": 0}),
                {"wan0": esp_in("gcm128", inner, seqs=[5, 5, 5])})
    assert len(r.out.get("lan0", [])) == 3
    assert_drops(r, {})
    r = tgw.run(cfg("gcm128", state_extra={"replay_window": 4096}),
                {"wan0": esp_in("gcm128", inner, seqs=[4000, 10, 10])})
    assert len(r.out.get("lan0", [])) == 2
    assert_drops(r, {"esp_replay": 1})


def test_replay_window_not_a_multiple_of_64():
    """Windows of 32 (strongSwan's default) and 100 packets: after 1..64 (1..128) in order,
    replays of every sequence number still in the window (33..63, 29..127) and of the
    first one left of it are dropped (esp_replay). A ring one word too short for such a
    window wiped these numbers' bits when the top crossed into a new 64-bit word and let
    the replays through."""
    for w, top in ((32, 64), (100, 128)):
        first = top - w + 1
        seqs = list(range(1, top + 1)) + list(range(first - 1, top))
        inner = [udp4(src=REMOTE4, dst=LAN_HOST4, id=i & 0xffff) for i in range(len(seqs))]
        r = tgw.run(cfg("gcm128", state_extra={"replay_window": w}),
                    {"wan0": esp_in("gcm128", inner, seqs=seqs)})
        assert len(r.out.get("lan0", [])) == top, \
            f"window {w}: {len(r.out.get('lan0', []))} forwarded, want {top}"
        assert_drops(r, {"esp_replay": top - first + 1})


def test_tampered_icv_and_unknown_spi():
    """A flipped ciphertext bit, ICV bit or SPI: esp_auth_failed (counted on the SA, before
    the window moves: the good packet with the same sequence number still passes), or no
    tunnel for an SPI no SA has."""
    inner = [udp4(src=REMOTE4, dst=LAN_HOST4, id=i) for i in range(3)]
    good = esp_in("cbc-sha1", inner)
    bad_ct = bytearray(bytes(good[0]))
    bad_ct[14 + 20 + 8 + 16 + 5] ^= 1
    bad_icv = bytearray(bytes(good[1]))
    bad_icv[-1] ^= 0x80
    unk = bytearray(bytes(good[2]))
    unk[14 + 20 + 3] ^= 0x44
    frames = [bytes(bad_ct), bytes(bad_icv), bytes(unk)] + good
    r = tgw.run(cfg("cbc-sha1"), {"wan0": frames})
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(p)) for p in inner], "lan0")
    assert_drops(r, {"esp_auth_failed": 2, "no_tunnel": 1})
    sa = r.stats["sas"][f"0x{SPI_IN:08x}"]
    assert sa["auth_failed"] == 2 and sa["packets"] == 3, sa


def test_truncated_and_bad_lengths():
    """ESP shorter than its header, than IV + trailer + ICV, or whose ciphertext is not a
    multiple of the CBC block: dropped by reason, no leak."""
    good = bytes(esp_in("cbc-sha1", [udp4(src=REMOTE4, dst=LAN_HOST4)])[0])

    def cut(n):
        ip = IP(good[14:])
        body = bytes(ip[ESP])[:n]
        return wan_in(IP(bytes(IP(src=PEER4, dst=WAN4, proto=50) / Raw(body))))

    frames = [cut(4), cut(8 + 16 + 8), cut(len(bytes(IP(good[14:])[ESP])) - 5)]
    r = tgw.run(cfg("cbc-sha1"), {"wan0": frames})
    assert_no_output(r, "lan0")
    assert_drops(r, {"esp_truncated": 2, "esp_bad_length": 1})


def test_bad_padding_tfc_next_header():
    """Valid ICV but padding not 1, 2, 3 ..., a TFC dummy packet (next header 59), a next
    header that is not IP: each dropped and counted (RFC 4303 sections 2.4, 2.6)."""
    inner = bytes(udp4(src=REMOTE4, dst=LAN_HOST4, size=61))

    def spoil(esp):
        esp.padding = esp.padding[:-1] + bytes([esp.padding[-1] ^ 0x55])
        return esp

    frames = [_esp_custom("cbc-sha1", inner, 4, 1, spoil),
              _esp_custom("cbc-sha1", b"\x00" * 40, 59, 2),
              _esp_custom("cbc-sha1", inner, 17, 3),
              _esp_custom("cbc-sha1", inner, 4, 4)]
    r = tgw.run(cfg("cbc-sha1"), {"wan0": frames})
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(IP(inner)))], "lan0")
    assert_drops(r, {"esp_bad_padding": 1, "esp_tfc_dummy": 1, "esp_bad_next_header": 1})


def test_sequence_overflow_stops_sa():
    """RFC 4303 section 3.3.3: with "replay_oseq" 0xfffffffe the next packet carries
    0xffffffff and every later one is dropped (esp_seq_overflow): the counter never wraps."""
    inners = inners4(3)
    r = tgw.run(cfg("gcm128", state_extra={"replay_oseq": 0xfffffffe}),
                {"lan0": [lan_in(p) for p in inners]})
    got = r.out.get("wan0", [])
    assert [f[ESP].seq for f in got] == [0xffffffff], [f[ESP].seq for f in got]
    assert_drops(r, {"esp_seq_overflow": 2})


def test_esn_both_directions():
    """ESN (RFC 4303 section 2.2.1) with AES-GCM: starting at 2^32 - 2 the sequence crosses
    into the next 2^32 subspace; scapy (esn_en) decrypts tungw's output and tungw infers the
    high bits of scapy's packets (RFC 4303 Appendix A) from the window's top ("replay_seq",
    iproute2's replay-seq; a fresh SA's top is 0, so 2^32 - 2 would read as the subspace
    before, as in the kernel's xfrm_replay_seqhi)."""
    inners = inners4(4)
    c = cfg("gcm128", state_extra={"esn": True, "replay_oseq": 0xfffffffd})
    r = tgw.run(c, {"lan0": [lan_in(p) for p in inners]})
    got = r.out["wan0"]
    assert [f[ESP].seq for f in got] == [0xfffffffe, 0xffffffff, 0, 1]
    sa = peer_sa("gcm128", SPI_OUT, esn_en=True)
    for f, p, hi in zip(got, inners, [0, 0, 1, 1]):
        sa.esn = hi
        assert bytes(sa.decrypt(IP(bytes(f[IP])))) == bytes(fwd4(p))
    back = [udp4(src=REMOTE4, dst=LAN_HOST4, id=i) for i in range(4)]
    peer = peer_sa("gcm128", SPI_IN, esn_en=True)
    frames = []
    # (scapy's encrypt takes seq_num 0 as "not given": the new subspace starts at 1 here)
    for p, (hi, lo) in zip(back, [(0, 0xfffffffe), (0, 0xffffffff), (1, 1), (1, 2)]):
        peer.esn = hi
        frames.append(wan_in(peer.encrypt(p, seq_num=lo)))
    # the window's top as the kernel's replay-seq: the high bits are inferred from it
    r = tgw.run(cfg("gcm128", state_extra={"esn": True, "replay_seq": 0xfffffff0}),
                {"wan0": frames})
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(p)) for p in back], "lan0")
    assert_drops(r, {})


# --------------------------------------------------------------------------- policies

def test_policy_checks():
    """No out policy for the vti's mark: xfrm_no_policy; a block policy: xfrm_policy_block;
    an in policy whose template names another SPI: xfrm_policy_mismatch (RFC 4301 5.2)."""
    inners = inners4(2)
    r = tgw.run(cfg(out_policy=False), {"lan0": [lan_in(p) for p in inners]})
    assert_no_output(r, "wan0")
    assert_drops(r, {"xfrm_no_policy": 2})
    blk = cfg()
    blk["xfrm"]["policies"].insert(0, {"dir": "out", "mark": KEY, "dst": "10.2.0.5/32",
                                       "action": "block"})
    r = tgw.run(blk, {"lan0": [lan_in(p) for p in inners + [udp4(dst="10.2.0.6")]]})
    assert len(r.out.get("wan0", [])) == 1
    assert_drops(r, {"xfrm_policy_block": 2})
    back = [udp4(src=REMOTE4, dst=LAN_HOST4, id=i) for i in range(2)]
    r = tgw.run(cfg(in_tmpl_extra={"spi": 0x9999}), {"wan0": esp_in("gcm128", back)})
    assert_no_output(r, "lan0")
    assert_drops(r, {"xfrm_policy_mismatch": 2})


def test_policy_selectors_and_priority():
    """Out policies with selectors: UDP to port 9999 of 10.2.0.0/24 goes through the SA; a
    higher-priority (lower number) block for 10.2.0.7 wins over it; other traffic into the vti
    matches no policy."""
    pol = [{"dir": "out", "mark": KEY, "src": "10.1.0.0/24", "dst": "10.2.0.0/24",
            "proto": "udp", "dport": 9999, "priority": 100,
            "tmpl": [{"src": WAN4, "dst": PEER4, "proto": "esp", "mode": "tunnel"}]},
           {"dir": "out", "mark": KEY, "dst": "10.2.0.7/32", "priority": 10,
            "action": "block"},
           {"dir": "in", "mark": KEY,
            "tmpl": [{"src": PEER4, "dst": WAN4, "proto": "esp", "mode": "tunnel"}]}]
    pk = [udp4(id=1), udp4(dst="10.2.0.7", id=2), udp4(dport=53, id=3), udp4(id=4)]
    r = tgw.run(cfg(policies=pol), {"lan0": [lan_in(p) for p in pk]})
    got = r.out.get("wan0", [])
    dec = decrypt_out("gcm128", got)
    assert [bytes(d) for d in dec] == [bytes(fwd4(pk[0])), bytes(fwd4(pk[3]))]
    assert_drops(r, {"xfrm_policy_block": 1, "xfrm_no_policy": 1})


def test_mark_selects_vti():
    """ESP from the vti's endpoints is looked up with the vti's ikey as mark: an SA whose mark
    differs is not found (no_tunnel), as the kernel's xfrm_state_lookup."""
    back = [udp4(src=REMOTE4, dst=LAN_HOST4)]
    r = tgw.run(cfg(state_extra={"mark": 7}), {"wan0": esp_in("gcm128", back)})
    assert_no_output(r, "lan0")
    assert_drops(r, {"no_tunnel": 1})
    r = tgw.run(cfg(state_extra={"mark": {"value": KEY, "mask": 0xff}}),
                {"wan0": esp_in("gcm128", back)})
    assert len(r.out.get("lan0", [])) == 1


def ah_vti_cfg(six=False):
    """vti1 / vti6 key 5 whose policies name AH hmac(sha256) tunnel-mode states (vti4 and vti6
    register for AH as for ESP; vti_state_check asks for tunnel mode and the endpoints)."""
    c = cfg(six=six)
    for st in c["xfrm"]["states"]:
        st.pop("aead", None)
        st.update(proto="ah", auth={"name": "hmac(sha256)", "key": "0x" + _key(32, 20).hex()})
    for pol in c["xfrm"]["policies"]:
        pol["tmpl"][0]["proto"] = "ah"
    return c


def test_ah_through_vti():
    """AH through vti and vti6: traffic routed into the vti leaves as AH (next header IPIP /
    IPv6) between the vti's endpoints, its ICV verified by scapy; AH from the peer is received
    on the vti (looked up with the ikey as mark, checked against the in policy with it) and
    forwarded; a tampered ICV is ah_auth_failed; the vti counts both ways."""
    from scapy.layers.ipsec import AH
    for six in (False, True):
        local, remote = (WAN6, PEER6) if six else (WAN4, PEER4)
        L3 = IPv6 if six else IP

        def sa(spi, src, dst):
            return SecurityAssociation(AH, spi=spi, tunnel_header=L3(src=src, dst=dst),
                                       auth_algo="SHA2-256-128", auth_key=_key(32, 20))
        a = [udp4(id=i + 1, size=90 + i) for i in range(2)] + [udp6(size=120)]
        b = [udp4(src=REMOTE4, dst=LAN_HOST4, id=40 + i) for i in range(2)]
        wire = [sa(SPI_IN, remote, local).encrypt(p, seq_num=i + 1) for i, p in enumerate(b)]
        bad = L3(bytes(wire[1]))
        bad[AH].icv = bytes(x ^ 0x80 for x in bytes(bad[AH].icv))
        r = tgw.run(ah_vti_cfg(six), {"lan0": [lan_in(p) for p in a],
                                      "wan0": [wan_in(wire[0]), wan_in(bad)]})
        got = r.out.get("wan0", [])
        assert len(got) == 3, [f.summary() for f in got]
        dec = []
        for f in got:
            o = f[L3]
            assert (o.src, o.dst, (o.nh if six else o.proto), f[AH].spi) == \
                (local, remote, 51, SPI_OUT), f.summary()
            d = bytes(sa(SPI_OUT, local, remote).decrypt(L3(bytes(o))))   # verifies the ICV
            dec.append(IPv6(d) if d[0] >> 4 == 6 else IP(d))
        assert_pkts([lan_out(d) for d in dec], [lan_out(fwd4(a[0])), lan_out(fwd4(a[1])),
                                                 lan_out(fwd6(a[2]))], "AH verified by scapy")
        assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(b[0]))], "lan0")
        assert_drops(r, {"ah_auth_failed": 1})
        assert_tunnel(r, "vti1", encap_packets=3, decap_packets=1)


if __name__ == "__main__":
    tgw.main(globals())
