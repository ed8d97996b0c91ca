"""The driver profiles (drivers-cfg/*.json, SPEC §2 ports, issue 4 "RSS by source port").

Every profile must load: its content, given as a port's "profile" override, passes
`tungw --check` (which validates names strictly).  The NIC profiles hash received packets
on the outer UDP 4-tuple, so FOU/GUE/GENEVE/VXLAN flows spread by the source port set at
encap; RTE_ETH_RSS_L4_SRC_ONLY (hash on the source port alone) only where the PMD's port
RSS takes it (mlx5: ConnectX); i40e, ice and ixgbe refuse it in port RSS (rte_flow only).
"""

import glob
import json
import os
import subprocess
import tempfile

import tgw

DRIVERS = os.path.join(tgw.REPO, "drivers-cfg")
NICS = ("net_i40e", "net_ice", "net_ixgbe", "mlx5_pci")
L4_SRC_ONLY = ("mlx5_pci",)


def profiles():
    out = {}
    for path in sorted(glob.glob(os.path.join(DRIVERS, "*.json"))):
        with open(path) as f:
            out[os.path.basename(path)[:-5]] = json.load(f)
    return out


def test_profiles_load():
    """Each profile, as a port override, is accepted by --check; a misspelt RSS name is
    refused (the check is not vacuous)."""
    results = []
    for name, prof in profiles().items():
        assert prof.get("driver") == name, f"{name}.json names driver {prof.get('driver')}"
        cfg = tgw.base_config()
        cfg["ports"][0]["device"] = "net_null0"
        cfg["ports"][1]["device"] = "net_null1"
        cfg["ports"][0]["profile"] = prof
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(cfg, f)
        try:
            p = subprocess.run([tgw.tungw_bin(), "--check", "-c", f.name], capture_output=True,
                               text=True, timeout=30)
            bad = dict(prof, rss_hf=prof.get("rss_hf", []) + ["ipv4_udpp"])
            cfg["ports"][0]["profile"] = bad
            with open(f.name, "w") as g:
                json.dump(cfg, g)
            q = subprocess.run([tgw.tungw_bin(), "--check", "-c", f.name], capture_output=True,
                               text=True, timeout=30)
        finally:
            os.unlink(f.name)
        why = None
        if p.returncode != 0:
            why = f"--check exit {p.returncode}: {p.stderr.strip()[-300:]}"
        elif q.returncode != 2 or "ports[0].profile.rss_hf" not in q.stderr or \
                f"element {len(prof.get('rss_hf', []))} is not one of the known names" \
                not in q.stderr:
            why = f"a bad rss_hf name passed: exit {q.returncode} {q.stderr.strip()[-200:]}"
        results.append((name, why))
    assert len(results) >= 10, results
    return results


def test_nic_profiles_hash_outer_udp():
    """NIC profiles: outer UDP over IPv4 and IPv6 in the hash; the source port alone only
    where the PMD supports it in port RSS."""
    pr = profiles()
    for name in NICS:
        hf = pr[name]["rss_hf"]
        assert "ipv4_udp" in hf and "ipv6_udp" in hf, f"{name}: rss_hf {hf}"
        assert ("l4_src_only" in hf) == (name in L4_SRC_ONLY), f"{name}: rss_hf {hf}"
    # virtual PMDs hash nothing (no RSS)
    for name in ("net_null", "net_pcap", "net_ring"):
        assert pr[name]["rss_hf"] == [], f"{name}: rss_hf {pr[name]['rss_hf']}"
