#!/usr/bin/python3
"""tungw test runner: the one `make test` calls.

  /usr/bin/python3 tests/run.py [--build DIR] [--label L] [--only PATTERN] [--jobs N]

Runs (a) every build/tests/unit/test_* binary (each "PASS name" / "FAIL name: why" line is one
result; a binary that exits non-zero without a FAIL line is one failure), (b) every test_*
function of tests/e2e/test_*.py and tests/interop/test_*.py (live interop with the kernel's
tunnels in network namespaces; needs root) (one result, or one per sub-result when it returns
a list of (name, None or failure text)), (c) `tungw --check` on every config/*.json, (d) the
configuration-error catalogue of tests/configerr/cases.py, (e) the fuzz corpus replay of every
build-fuzz/tests/fuzz/fuzz_* binary (default run only).  Jobs run two at a time; each tungw
gets its own --file-prefix and temporary directory.  With --label L every name is prefixed
"L:" (e.g. --build build-asan --label asan reruns the suites on a sanitizer build).

The last line printed is "N passed, N failed"; the exit status is 1 when anything failed.
"""

import argparse
import concurrent.futures
import fnmatch
import glob
import importlib
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True     # no __pycache__ in the source tree

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
E2E = os.path.join(REPO, "tests", "e2e")
INTEROP = os.path.join(REPO, "tests", "interop")
# python test suites, name -> directory (module names must differ between them)
PY_SUITES = {"e2e": E2E, "interop": INTEROP}
CONFIGERR = os.path.join(REPO, "tests", "configerr")

# Run alone: dpdk-dumpcap's detach races with a worker inside the pdump callback (DPDK
# 22.11 frees the capture pool without waiting for it; docs/architecture.md). A worker
# preempted there by a parallel job makes the window milliseconds wide.
ALONE = {"e2e/test_live.py::test_dumpcap_captures_running_gateway"}

UNIT_TIMEOUT = 300
CHECK_TIMEOUT = 60
FUZZ_TIMEOUT = 300


def eal_args(prefix):
    return ["-l", "0-1", "--no-huge", "-m", "1024", "--no-shconf", "--no-pci",
            "--file-prefix", prefix, "--log-level=*:warning"]


# ----------------------------------------------------------------------------- jobs
# Each job runs in a worker process and returns a list of (ok, name, detail).

def job_unit(path):
    name = "unit/" + os.path.basename(path)
    try:
        p = subprocess.run([path], cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace",
                           timeout=UNIT_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        out = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode("utf8", "replace")
        return _unit_lines(name, out) + [(False, name, f"timed out after {UNIT_TIMEOUT}s")]
    res = _unit_lines(name, p.stdout)
    if p.returncode != 0 and not any(not ok for ok, _, _ in res):
        res.append((False, name, f"exited {p.returncode} without a FAIL line; output tail:\n"
                    + p.stdout[-1500:]))
    if not res:
        res.append((False, name, "printed no PASS/FAIL line"))
    return res


def _unit_lines(name, out):
    res = []
    for line in out.splitlines():
        m = re.match(r"^PASS (.+?)\s*$", line)
        if m:
            res.append((True, f"{name}/{m.group(1)}", ""))
            continue
        m = re.match(r"^FAIL (.+?): (.*)$", line) or re.match(r"^FAIL (.+?)\s*$", line)
        if m:
            res.append((False, f"{name}/{m.group(1)}", m.group(2) if m.lastindex > 1 else ""))
    return res


def job_e2e(module, fn, suite="e2e"):
    name = f"{suite}/{module}.py::{fn}"
    if PY_SUITES[suite] not in sys.path:
        sys.path.insert(0, PY_SUITES[suite])
    t0 = time.time()
    try:
        mod = importlib.import_module(module)
        ret = getattr(mod, fn)()
    except Exception:
        return [(False, name, f"({time.time() - t0:.1f}s)\n" + traceback.format_exc())]
    if isinstance(ret, list):
        # a test may report sub-results: [(subname, None if it passed else why)]
        return [(err is None, f"{name}[{sub}]", err or "") for sub, err in ret]
    return [(True, name, f"({time.time() - t0:.1f}s)")]


def job_config(tungw, path):
    name = "config/" + os.path.basename(path)
    prefix = f"chk{os.getpid()}_{os.path.basename(path).replace('.', '_')}"
    cmd = [tungw] + eal_args(prefix) + ["--", "--check", "-c", path]
    try:
        p = subprocess.run(cmd, cwd=os.path.dirname(path), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           errors="replace", timeout=CHECK_TIMEOUT)
    except subprocess.TimeoutExpired:
        return [(False, name, f"tungw --check did not exit within {CHECK_TIMEOUT}s")]
    finally:
        subprocess.run(["rm", "-rf", f"/var/run/dpdk/{prefix}"])
    if p.returncode != 0:
        return [(False, name, f"tungw --check exited {p.returncode}: "
                 f"{(p.stderr or p.stdout).strip()[-800:]}")]
    if not p.stdout.strip():
        return [(False, name, "tungw --check printed no summary on stdout")]
    return [(True, name, "")]


def job_configerr(index):
    if CONFIGERR not in sys.path:
        sys.path.insert(0, CONFIGERR)
    import cases
    case = cases.CASES[index]
    name = f"configerr/{case['name']}"
    try:
        cases.check(case)
    except Exception as e:
        detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
        return [(False, name, detail)]
    return [(True, name, "")]


def job_fuzz(binary, corpus):
    name = "fuzz/" + os.path.basename(binary)
    files = sorted(f for f in glob.glob(os.path.join(corpus, "**", "*"), recursive=True)
                   if os.path.isfile(f))
    if not files:
        return [(False, name, f"no corpus to replay in {os.path.relpath(corpus, REPO)}")]
    t_end = time.time() + FUZZ_TIMEOUT
    for i in range(0, len(files), 200):
        chunk = files[i:i + 200]
        try:
            p = subprocess.run([binary] + chunk, cwd=REPO, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace", timeout=max(1, t_end - time.time()))
        except subprocess.TimeoutExpired:
            return [(False, name, f"replay of {len(files)} inputs exceeded {FUZZ_TIMEOUT}s")]
        if p.returncode != 0:
            lines = p.stdout.splitlines()
            running = [ln for ln in lines if ln.startswith("Running:")][-1:]
            why = [ln for ln in lines if re.search(r"ERROR|Assertion|PANIC|panic|abort|"
                                                  r"runtime error|deadly signal", ln)][:6]
            return [(False, name, f"exited {p.returncode} replaying inputs {i + 1}.."
                     f"{i + len(chunk)} of {len(files)}:\n  " +
                     "\n  ".join(running + why) + f"\n  output tail:\n{p.stdout[-1200:]}")]
    return [(True, name, f"{len(files)} inputs")]


def job_bench(tungw):
    """The benchmark harness end to end (ipip encap at 64 B against testpmd); no speed
    is asserted, only that both ran, the output check passed and the rates are not 0."""
    t0 = time.time()
    r = subprocess.run(["/usr/bin/python3", os.path.join(REPO, "bench", "run.py"), "--self-test",
                        "--tungw", tungw], capture_output=True, text=True, timeout=300)
    ok = r.returncode == 0
    return [(ok, "bench/self-test", f"({time.time() - t0:.1f}s)" if ok else
             (r.stdout[-3000:] + r.stderr[-2000:]))]


def run_job(job):
    kind, args = job[0], job[1:]
    try:
        return {"unit": lambda: [r for b in args[0] for r in job_unit(b)],
                "e2e": lambda: job_e2e(*args),
                "config": lambda: job_config(*args),
                "configerr": lambda: job_configerr(*args),
                "fuzz": lambda: job_fuzz(*args),
                "bench": lambda: job_bench(*args)}[kind]()
    except Exception:
        return [(False, f"{kind}/{args}", "runner error:\n" + traceback.format_exc())]


# ----------------------------------------------------------------------------- discovery

def discover(build, tungw, fuzz_build, with_fuzz):
    """(selector name, job) pairs, the slow e2e ones first."""
    jobs = []
    for suite, sdir in PY_SUITES.items():
        sys.path.insert(0, sdir)
        for path in sorted(glob.glob(os.path.join(sdir, "test_*.py"))):
            module = os.path.basename(path)[:-3]
            try:
                mod = importlib.import_module(module)
            except Exception:
                jobs.append((f"{suite}/{module}.py", ("e2e", module, "__import__", suite)))
                continue
            for fn in sorted(n for n in dir(mod) if n.startswith("test_") and
                             callable(getattr(mod, n))):
                jobs.append((f"{suite}/{module}.py::{fn}", ("e2e", module, fn, suite)))
    sys.path.insert(0, CONFIGERR)
    try:
        import cases
        for i, c in enumerate(cases.CASES):
            jobs.append((f"configerr/{c['name']}", ("configerr", i)))
    except Exception:
        jobs.append(("configerr/cases.py", ("configerr", -1)))
    for path in sorted(glob.glob(os.path.join(REPO, "config", "*.json"))):
        jobs.append((f"config/{os.path.basename(path)}", ("config", tungw, path)))
    units = sorted(p for p in glob.glob(os.path.join(build, "tests", "unit", "test_*"))
                   if os.path.isfile(p) and os.access(p, os.X_OK))
    if units:
        jobs.append(("unit/" + ",".join(os.path.basename(u) for u in units), ("unit", units)))
    if with_fuzz:
        jobs.append(("bench/self-test", ("bench", tungw)))
        for b in sorted(glob.glob(os.path.join(fuzz_build, "tests", "fuzz", "fuzz_*"))):
            if os.path.isfile(b) and os.access(b, os.X_OK):
                target = os.path.basename(b)[len("fuzz_"):]
                corpus = os.path.join(REPO, "tests", "fuzz", "corpus", target)
                jobs.append((f"fuzz/{os.path.basename(b)}", ("fuzz", b, corpus)))
    return jobs


def selected(name, pattern):
    if not pattern:
        return True
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(name, f"*{pattern}*")
    return pattern in name


def run_suite(build, fuzz_build, label, only, jobs_n, with_fuzz):
    """Run one build's suites; returns (passed, failed)."""
    tungw = os.path.join(build, "app", "tungw", "tungw")
    label = f"{label}:" if label else ""
    snapdir = tempfile.mkdtemp(prefix="tungw-test-")
    if os.path.exists(tungw):
        # run a copy, so that a rebuild during the run cannot pull the binary away
        shutil.copy2(tungw, os.path.join(snapdir, "tungw"))
        tungw = os.path.join(snapdir, "tungw")
    else:
        print(f"note: {tungw} does not exist; its tests will fail", flush=True)
    os.environ["TUNGW_BIN"] = tungw

    found = discover(build, tungw, fuzz_build, with_fuzz)
    jobs = [(n, j) for n, j in found if selected(n, only)]
    if only and not jobs:
        # the pattern may name a test inside a unit binary: run them and filter their lines
        jobs = [(n, j) for n, j in found if j[0] == "unit"]

    npass = nfail = 0
    t0 = time.time()
    ctx = multiprocessing.get_context("fork")
    # Jobs in ALONE run after the others, one at a time, with no other job competing for
    # the two CPUs (see ALONE).
    shared = [(n, j) for n, j in jobs if n not in ALONE]
    alone = [(n, j) for n, j in jobs if n in ALONE]

    def outcomes():
        for group, width in ((shared, jobs_n), (alone, 1)):
            with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, width),
                                                        mp_context=ctx) as pool:
                futs = [pool.submit(run_job, j) for _, j in group]
                for fut in concurrent.futures.as_completed(futs):
                    try:
                        yield fut.result()
                    except Exception as e:
                        yield [(False, "runner", f"worker died: {e!r}")]

    for results in outcomes():
        for ok, name, detail in results:
            if only and name.startswith("unit/") and not selected(name, only):
                continue
            if ok:
                npass += 1
                print(f"PASS {label}{name}" + (f" {detail}" if detail else ""), flush=True)
            else:
                nfail += 1
                print(f"FAIL {label}{name}: {detail.rstrip()}", flush=True)
    shutil.rmtree(snapdir, ignore_errors=True)
    print(f"# {label or 'main:'} {len(jobs)} jobs in {time.time() - t0:.0f}s", flush=True)
    return npass, nfail


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build"),
                    help="meson build directory (default: build)")
    ap.add_argument("--fuzz-build", default=os.path.join(REPO, "build-fuzz"),
                    help="build directory of the fuzz targets (default: build-fuzz)")
    ap.add_argument("--asan-build", default="",
                    help="also rerun the unit, end-to-end and config suites on this "
                    "ASan+UBSan build, their names prefixed asan:")
    ap.add_argument("--label", default="", help="prefix every test name with LABEL:")
    ap.add_argument("--only", default="", help="run only tests whose name contains PATTERN "
                    "(or matches it as a glob)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel jobs (default 2)")
    args = ap.parse_args()

    npass, nfail = run_suite(os.path.abspath(args.build), os.path.abspath(args.fuzz_build),
                             args.label, args.only, args.jobs, not args.label)
    if args.asan_build:
        # LeakSanitizer would report the EAL's own allocations at exit; mbuf leaks are
        # checked by every test itself ("mbufs in use at exit: 0")
        os.environ["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"
        os.environ["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:suppressions=" + \
            os.path.join(REPO, "tests", "fuzz", "ubsan.supp")
        p, f = run_suite(os.path.abspath(args.asan_build), "", "asan", args.only, args.jobs,
                         False)
        npass += p
        nfail += f
    print(f"{npass} passed, {nfail} failed", flush=True)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
