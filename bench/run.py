#!/usr/bin/env python3
"""Benchmarks of group-writeback against the simulated Graph tenant.

Runs four workloads, each contender in turn for several rounds, and reports
the median with min-max. W1 audit listing, W2 bulk change under the write
quota, W3 start-up of pwsh with the module, W4 peak memory against tenant
size. Writes bench/results/latest.json, a dated copy, latest.md and (through
bench/chart.py) latest.svg. Python 3.11 standard library only; loopback only.

Usage: bench/run.py [--quick]   (--quick: small sizes, one round; for trying
the harness, not for numbers)
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
BUILD = os.path.join(BENCH, "build")
RESULTS = os.path.join(BENCH, "results")
SIM = os.path.join(ROOT, "target", "release", "graph-sim")
MODULE_SRC = os.path.join(ROOT, "powershell", "GroupWriteback")
# The bench imports a private copy of the built module, so that a rebuild of
# powershell/GroupWriteback during the run cannot change what is measured.
MODULE = os.path.join(BUILD, "module", "GroupWriteback")
DOTNET_SDK_BIN = os.path.join(BENCH, "dotnet", "GraphSdkList", "bin", "Release", "net10.0", "GraphSdkList")
PWSH = shutil.which("pwsh") or os.path.expanduser("~/.dotnet/tools/pwsh")
TOKEN = "bench-static-token"
TARGET_STATE = "Security"  # isEnabled true + universalSecurityGroup: allowed for M365 and security groups

# The bench's settings. The full run must finish within 10 minutes on 2 cores.
FULL = {
    "latencyMs": 20,
    "seed": 7,
    "w1Groups": 100_000,
    "w1Rounds": {"cmdlet": 3, "c-abi": 3, "irm-careful": 2, "irm-mggroup-style": 2, "graph-dotnet-sdk": 2},
    "w2TenantGroups": 20_000,
    "w2Groups": 5_000,
    "w2ThrottleScale": 0.01,
    "w2ThrottleSpeed": 25,
    "w2LatencyMs": 5,
    "w2Rounds": {"cmdlet": 3, "c-abi": 3, "irm-loop": 1, "irm-parallel": 2},
    "w3Rounds": 5,
    "w4Sizes": [100_000, 500_000],
    "w4LatencyMs": 0,
    "timeoutSeconds": 240,
}
QUICK = {
    "latencyMs": 20,
    "seed": 7,
    "w1Groups": 5_000,
    "w1Rounds": {"cmdlet": 1, "c-abi": 1, "irm-careful": 1, "irm-mggroup-style": 1, "graph-dotnet-sdk": 1},
    "w2TenantGroups": 2_000,
    "w2Groups": 300,
    "w2ThrottleScale": 0.01,
    "w2ThrottleSpeed": 25,
    "w2LatencyMs": 5,
    "w2Rounds": {"cmdlet": 1, "c-abi": 1, "irm-loop": 1, "irm-parallel": 1},
    "w3Rounds": 2,
    "w4Sizes": [5_000, 20_000],
    "w4LatencyMs": 0,
    "timeoutSeconds": 120,
}
SHORT = {
    "cmdlet": "Get-GroupWriteback (pwsh)", "c-abi": "C ABI", "irm-mggroup-style": "IRM, Get-MgGroup -All style",
    "irm-careful": "IRM, $top=999 + $select", "graph-dotnet-sdk": "Graph .NET SDK PageIterator",
    "w2-cmdlet": "Set-GroupWriteback (pwsh)", "w2-c-abi": "C ABI bulk ($batch)", "w2-irm-loop": "IRM loop, GET + PATCH",
    "w2-irm-parallel": "IRM -Parallel 8, no retry",
    "w2b-cmdlet": "Set-GroupWriteback, ids (pwsh)", "w2b-c-abi": "C ABI bulk, bare ids",
}
QUOTA_WRITES_PER_SECOND = 3000 / 150  # 20/s published; --throttle-scale keeps it, --throttle-speed multiplies it
QUOTA_RESOURCE_UNITS_PER_SECOND = 3500 / 10  # the smallest tenants' quota, the library's default pace


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------ simulator
class Sim:
    """graph-sim in a child process; stopped on exit of the with-block."""

    def __init__(self, groups, seed, latency_ms, throttle_scale=1.0, throttle_speed=1.0):
        self.args = [
            SIM, "--groups", str(groups), "--seed", str(seed), "--latency-ms", str(latency_ms),
            "--static-token", TOKEN, "--throttle-scale", str(throttle_scale),
            "--throttle-speed", str(throttle_speed), "--quiet",
            "--exit-on-stdin-eof",  # it stops with the harness, whatever ends it
        ]
        self.proc = None
        self.url = None

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        if not ready:
            self.stop()
            raise RuntimeError("graph-sim did not print its URL within 60 s")
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"graph-sim printed {self.url!r}, not a loopback URL")
        self.host, self.port = urllib.parse.urlparse(self.url).hostname, urllib.parse.urlparse(self.url).port
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        # With --exit-on-stdin-eof, closing its stdin is what stops it (it
        # does not stop on /_sim/shutdown or SIGTERM while stdin is open).
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(15)
            return
        except subprocess.TimeoutExpired:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def control(self, path, method="GET"):
        with urllib.request.urlopen(urllib.request.Request(self.url + path, method=method), timeout=30) as r:
            return json.loads(r.read())

    def stats(self):
        return self.control("/_sim/stats")

    def reset_stats(self):
        self.control("/_sim/stats/reset", "POST")

    def stored_groups(self, ids):
        """The stored groups (control endpoint: no latency, no throttling), over one connection."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        out = []
        try:
            for gid in ids:
                conn.request("GET", f"/_sim/groups/{gid}")
                r = conn.getresponse()
                out.append(json.loads(r.read()))
        finally:
            conn.close()
        return out

    def raw_floor(self):
        """Seconds to fetch every $top=999 page over one keep-alive connection
        without parsing (the nextLink is cut out of the body's tail): what
        paging through this simulator costs before any client work."""
        path = ("/beta/groups?$top=999&$select=id,displayName,groupTypes,securityEnabled,"
                "mailEnabled,onPremisesSyncEnabled,writebackConfiguration")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        pages = 0
        t0 = time.monotonic()
        try:
            for _ in range(10_000):
                conn.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}"})
                body = conn.getresponse().read()
                pages += 1
                i = body.rfind(b'"@odata.nextLink":"')
                if i < 0:
                    break
                j = body.index(b'"', i + 19)
                link = urllib.parse.urlsplit(body[i + 19:j].decode())
                path = link.path + "?" + link.query
        finally:
            conn.close()
        return time.monotonic() - t0, pages

    def list_all(self):
        """Every group with the properties the rules read ($top=999), through Graph."""
        url = (self.url + "/beta/groups?$top=999&$select=id,displayName,groupTypes,securityEnabled,"
               "mailEnabled,onPremisesSyncEnabled,writebackConfiguration")
        groups = []
        for _ in range(10_000):
            req = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
            with urllib.request.urlopen(req, timeout=60) as r:
                page = json.loads(r.read())
            groups.extend(page["value"])
            url = page.get("@odata.nextLink")
            if not url:
                break
        return groups


# ------------------------------------------------------------------ processes
def run_proc(cmd, timeout, env=None):
    """Runs cmd; returns wall seconds, exit code, peak RSS (KiB) of that child
    alone (wait4), its stdout and stderr. Killed after `timeout` seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        env = dict(env or os.environ, NO_COLOR="1", TERM="dumb", DOTNET_CLI_TELEMETRY_OPTOUT="1",
                   POWERSHELL_TELEMETRY_OPTOUT="1", POWERSHELL_UPDATECHECK="Off")
        p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
        killed = []
        timer = threading.Timer(timeout, lambda: (killed.append(True), p.kill()))
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    return {
        "wall": wall, "rc": p.returncode, "maxrssKiB": ru.ru_maxrss, "stdout": stdout,
        "stderr": stderr[-2000:], "timedOut": bool(killed),
    }


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return None


def pwsh_cmd(script, *args):
    return [PWSH, "-NoProfile", "-NonInteractive", "-File", os.path.join(BENCH, "ps", script), *args]


def summarize(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


# ------------------------------------------------------------------ availability
def module_cmdlets():
    """Names of the module's exported commands, or None when it does not import."""
    if not os.path.exists(os.path.join(MODULE, "bin", "net6.0", "GroupWriteback.Native.dll")):
        return None
    r = run_proc([PWSH, "-NoProfile", "-NonInteractive", "-Command",
                  f"Import-Module '{MODULE}' -ErrorAction Stop; (Get-Command -Module GroupWriteback).Name -join ','"],
                 120)
    if r["rc"] != 0:
        return None
    return set(filter(None, r["stdout"].strip().split(",")))


def cmdlet_params(name):
    r = run_proc([PWSH, "-NoProfile", "-NonInteractive", "-Command",
                  f"Import-Module '{MODULE}' -ErrorAction Stop; (Get-Command {name}).Parameters.Keys -join ','"], 120)
    return set(filter(None, r["stdout"].strip().split(","))) if r["rc"] == 0 else set()


# ------------------------------------------------------------------ workloads
def w1(cfg, avail):
    n = cfg["w1Groups"]
    log(f"W1 audit: {n} groups, latency {cfg['latencyMs']} ms")
    contenders = {
        "cmdlet": ("Get-GroupWriteback -All -WrittenBack (pwsh)", pwsh_cmd("w1_cmdlet.ps1", "-Endpoint", "{url}", "-Token", TOKEN, "-Module", MODULE)),
        "c-abi": ("C ABI: gwb_client_list_groups writtenBack:true", [os.path.join(BUILD, "w1_list"), "{url}", TOKEN]),
        "irm-mggroup-style": ("Invoke-RestMethod, Get-MgGroup -All style (100/page, all properties) | Where-Object", pwsh_cmd("w1_irm_paged.ps1", "-Endpoint", "{url}", "-Token", TOKEN)),
        "irm-careful": ("Invoke-RestMethod, $top=999 + $select | Where-Object", pwsh_cmd("w1_irm_paged.ps1", "-Endpoint", "{url}", "-Token", TOKEN, "-Careful")),
        "graph-dotnet-sdk": ("Microsoft.Graph .NET SDK 6.10.0 PageIterator (default request: 100/page, all properties)", [DOTNET_SDK_BIN, "{url}/beta", TOKEN]),
    }
    results = {}
    runs = {k: [] for k in contenders}
    floor = []
    with Sim(n, cfg["seed"], cfg["latencyMs"]) as sim:
        max_rounds = max(cfg["w1Rounds"].values())
        for rnd in range(max_rounds):
            for key, (label, cmd) in contenders.items():
                if rnd >= cfg["w1Rounds"][key] or not avail.get(key, (True,))[0]:
                    continue
                sim.reset_stats()
                r = run_proc([a.replace("{url}", sim.url) for a in cmd], cfg["timeoutSeconds"])
                st = sim.stats()
                j = last_json(r["stdout"]) or {}
                # The cmdlet does not say how many it read: its requests (one
                # per page) and its count, compared with the others', vouch.
                ok = r["rc"] == 0 and j.get("kept") is not None and (j.get("read") == n or
                                                                    ("read" not in j and st["graphRequests"] >= -(-n // 999)))
                runs[key].append({
                    "seconds": j.get("seconds"), "wall": round(r["wall"], 3), "read": j.get("read"),
                    "kept": j.get("kept"), "requests": st["graphRequests"], "throttled": st["throttled"],
                    "maxrssKiB": r["maxrssKiB"], "setupSeconds": j.get("setupSeconds"),
                    "ok": ok, "error": None if ok else (r["stderr"] or r["stdout"])[-600:],
                })
                log(f"  W1 {key} round {rnd + 1}: {j.get('seconds')} s, read {j.get('read')}, kept {j.get('kept')}, "
                    f"{st['graphRequests']} requests{'' if ok else ' FAILED: ' + (r['stderr'] or r['stdout'])[-300:]}")
            secs, pages = sim.raw_floor()
            floor.append(secs)
            log(f"  W1 raw HTTP floor round {rnd + 1}: {secs:.3f} s for {pages} pages")
    limit_pages = -(-n // 999)
    limit = limit_pages * cfg["latencyMs"] / 1000
    for key, (label, _) in contenders.items():
        a = avail.get(key, (True, None))
        good = [x for x in runs[key] if x["ok"]]
        results[key] = {
            "label": label, "short": SHORT[key], "available": a[0], "note": a[1], "runs": runs[key],
            "seconds": summarize([x["seconds"] for x in good]),
            "kept": good[0]["kept"] if good else None,
            "requests": good[0]["requests"] if good else None,
        }
    return {"groups": n, "limitSeconds": limit, "limitPages": limit_pages, "rawFloorSeconds": summarize(floor),
            "limitRule": f"{limit_pages} pages of 999 x {cfg['latencyMs']} ms", "contenders": results}


def w2_pick(cfg):
    """Groups whose state can be changed to Security (M365 or security, not
    synced, not already Security, no unknown type), in id order, with their
    Graph JSON as a listing returns it."""
    known = {"universaldistributiongroup", "universalsecuritygroup", "universalmailenabledsecuritygroup"}
    with Sim(cfg["w2TenantGroups"], cfg["seed"], 0, cfg["w2ThrottleScale"]) as sim:
        groups = sim.list_all()
    picked = []
    for g in groups:
        if g.get("onPremisesSyncEnabled") is True:
            continue
        m365 = any(t.lower() == "unified" for t in g.get("groupTypes") or [])
        sec = not m365 and g.get("securityEnabled") is True and g.get("mailEnabled") is False
        if not (m365 or sec):
            continue
        wb = g.get("writebackConfiguration") or {}
        t = wb.get("onPremisesGroupType")
        if t is not None and t.lower() not in known:
            continue
        if wb.get("isEnabled") is True and t is not None and t.lower() == "universalsecuritygroup":
            continue
        picked.append(g)
        if len(picked) == cfg["w2Groups"]:
            break
    return picked


def w2(cfg, avail, variant):
    """A bulk change of w2Groups groups under the scaled quotas. variant
    "listing" (W2): the groups come from a listing, carrying their state, so
    nothing is read first; "ids" (W2b): bare ids, which the library reads
    first (fifteen to a request)."""
    n = cfg["w2Groups"]
    scale, speed, latency = cfg["w2ThrottleScale"], cfg["w2ThrottleSpeed"], cfg["w2LatencyMs"]
    name = "W2" if variant == "listing" else "W2b"
    log(f"{name} bulk change from {'a listing' if variant == 'listing' else 'bare ids'}: {n} groups of a "
        f"{cfg['w2TenantGroups']}-group tenant, --throttle-scale {scale}, --throttle-speed {speed}, latency {latency} ms")
    groups = w2_pick(cfg)
    if len(groups) < n:
        raise RuntimeError(f"only {len(groups)} groups can be changed")
    ids = [g["id"] for g in groups]
    ids_file = os.path.join(BUILD, "w2_ids.txt")
    with open(ids_file, "w") as f:
        f.write("\n".join(ids) + "\n")
    groups_file = os.path.join(BUILD, "w2_groups.tsv")
    with open(groups_file, "w") as f:
        f.write("\n".join(g["id"] + "\t" + json.dumps(g, separators=(",", ":")) for g in groups) + "\n")
    rate = QUOTA_WRITES_PER_SECOND * speed
    ru_rate = QUOTA_RESOURCE_UNITS_PER_SECOND * speed
    paces = ["-WritesPerSecond", str(rate), "-ResourceUnitsPerSecond", str(ru_rate)]
    if variant == "listing":
        contenders = {
            "cmdlet": ("Get-GroupWriteback -All | Set-GroupWriteback -State Security (pwsh)", pwsh_cmd("w2_cmdlet.ps1", "-Endpoint", "{url}", "-Token", TOKEN, "-IdsFile", ids_file, "-Module", MODULE, "-FromListing", *paces)),
            "c-abi": ("C ABI: gwb_client_bulk_set with each group's JSON ($batch, paced)", [os.path.join(BUILD, "w2_bulk"), "{url}", TOKEN, groups_file, TARGET_STATE, str(rate), str(ru_rate)]),
            "irm-loop": ("Invoke-RestMethod loop: GET + PATCH per group, no retry", pwsh_cmd("w2_irm_loop.ps1", "-Endpoint", "{url}", "-Token", TOKEN, "-IdsFile", ids_file)),
            "irm-parallel": ("ForEach-Object -Parallel -ThrottleLimit 8 PATCH, no retry", pwsh_cmd("w2_irm_parallel.ps1", "-Endpoint", "{url}", "-Token", TOKEN, "-IdsFile", ids_file)),
        }
    else:
        contenders = {
            "cmdlet": ("Set-GroupWriteback -State Security, group ids from the pipeline (pwsh)", pwsh_cmd("w2_cmdlet.ps1", "-Endpoint", "{url}", "-Token", TOKEN, "-IdsFile", ids_file, "-Module", MODULE, *paces)),
            "c-abi": ("C ABI: gwb_client_bulk_set with bare ids ($batch, paced)", [os.path.join(BUILD, "w2_bulk"), "{url}", TOKEN, ids_file, TARGET_STATE, str(rate), str(ru_rate)]),
        }
    rounds = cfg["w2Rounds"]
    runs = {k: [] for k in contenders}
    for rnd in range(max(rounds[k] for k in contenders)):
        for key, (label, cmd) in contenders.items():
            if not avail.get(key, (True,))[0] or rnd >= rounds.get(key, 1):
                continue
            # A fresh tenant each run: every contender starts from the same
            # state with full quota buckets and zeroed counters.
            with Sim(cfg["w2TenantGroups"], cfg["seed"], latency, scale, speed) as sim:
                before = sim.stats()
                r = run_proc([a.replace("{url}", sim.url) for a in cmd], cfg["timeoutSeconds"])
                st = sim.stats()
                stored = sim.stored_groups(ids)
            done = sum(1 for g in stored
                       if (g.get("writebackConfiguration") or {}).get("isEnabled") is True
                       and ((g.get("writebackConfiguration") or {}).get("onPremisesGroupType") or "").lower() == "universalsecuritygroup")
            j = last_json(r["stdout"]) or {}
            ok = r["rc"] == 0 and bool(j)
            # The listing of the W2 cmdlet (its setup: one request a page)
            # is not the change's.
            listing_reads = 0
            if variant == "listing" and key == "cmdlet":
                listing_reads = -(-cfg["w2TenantGroups"] // 999)
            # Connect-GroupWriteback -AccessToken checks the token with one
            # read ($top=1): the cmdlet's setup too, not the change's.
            if key == "cmdlet":
                listing_reads += 1
            runs[key].append({
                "seconds": j.get("seconds"), "wall": round(r["wall"], 3), "doneInEndState": done,
                "lost": n - done, "simWrites": st["writes"], "sim429": st["throttled"],
                "simReads": st.get("reads", 0) - before.get("reads", 0) - listing_reads,
                "simRequests": st["requests"] - before["requests"] - listing_reads, "simBatchSubRequests": st["batchSubRequests"],
                "reported": j, "ok": ok, "error": None if ok else (r["stderr"] or r["stdout"])[-600:],
            })
            log(f"  {name} {key} round {rnd + 1}: {j.get('seconds')} s, {done}/{n} in end state, "
                f"{st['writes']} writes, {runs[key][-1]['simReads']} reads, {st['throttled']} 429s"
                f"{'' if ok else ' FAILED: ' + (r['stderr'] or r['stdout'])[-300:]}")
    results = {}
    for key, (label, _) in contenders.items():
        a = avail.get(key, (True, None))
        good = [x for x in runs[key] if x["ok"]]
        results[key] = {
            "label": label, "short": SHORT[("w2-" if variant == "listing" else "w2b-") + key], "available": a[0],
            "note": a[1], "runs": runs[key],
            "seconds": summarize([x["seconds"] for x in good]),
            "lost": summarize([x["lost"] for x in good]),
            "sim429": summarize([x["sim429"] for x in good]),
            "simWrites": summarize([x["simWrites"] for x in good]),
            "simReads": summarize([x["simReads"] for x in good]),
            "simRequests": summarize([x["simRequests"] for x in good]),
        }
    return {"groups": n, "tenantGroups": cfg["w2TenantGroups"], "throttleScale": scale, "throttleSpeed": speed,
            "latencyMs": latency, "variant": variant,
            "quota": f"{3000 * scale:g} writes per {150 * scale / speed:g} s ({rate:g}/s), burst {3000 * scale:g}",
            "limitSeconds": n / rate, "limitRule": f"{n} groups / {rate:g} writes/s", "contenders": results}


def w3(cfg, avail):
    log(f"W3 start-up: {cfg['w3Rounds']} rounds (after one warm-up) of each")
    if not avail.get("cmdlet", (True,))[0]:
        return {"available": False, "note": avail["cmdlet"][1]}
    with Sim(cfg["w2TenantGroups"], cfg["seed"], cfg["latencyMs"]) as sim:
        gid = sim.list_all()[0]["id"] if cfg["w2TenantGroups"] <= 20_000 else None
        bare = pwsh_cmd("w3_nothing.ps1")
        module = pwsh_cmd("w3_read_one.ps1", "-Endpoint", sim.url, "-Token", TOKEN, "-Module", MODULE, "-Id", gid)
        times = {"bare": [], "module": []}
        errors = []
        for rnd in range(cfg["w3Rounds"] + 1):
            for key, cmd in (("bare", bare), ("module", module)):
                r = run_proc(cmd, 60)
                if r["rc"] != 0:
                    errors.append((r["stderr"] or r["stdout"])[-400:])
                    continue
                if rnd > 0:
                    times[key].append(r["wall"])
    if errors:
        log(f"  W3 errors: {errors[0]}")
    b, m = summarize(times["bare"]), summarize(times["module"])
    log(f"  W3 bare {b and round(b['median'], 3)} s, module + one group {m and round(m['median'], 3)} s")
    return {"available": True, "bare": b, "module": m, "overheadSeconds": (m["median"] - b["median"]) if b and m else None,
            "latencyMs": cfg["latencyMs"], "errors": errors[:3]}


def w4(cfg, avail):
    log(f"W4 memory: listing {cfg['w4Sizes']} groups (latency {cfg['w4LatencyMs']} ms)")
    out = {"c-abi": {}, "cmdlet": {}}
    r = run_proc(pwsh_cmd("w3_nothing.ps1"), 60)
    out["pwshBareMaxrssKiB"] = r["maxrssKiB"]
    for n in cfg["w4Sizes"]:
        with Sim(n, cfg["seed"], cfg["w4LatencyMs"]) as sim:
            r = run_proc([os.path.join(BUILD, "w1_list"), sim.url, TOKEN, "all"], cfg["timeoutSeconds"] * 2)
            j = last_json(r["stdout"]) or {}
            out["c-abi"][str(n)] = {"maxrssKiB": r["maxrssKiB"], "read": j.get("read"), "seconds": j.get("seconds"),
                                    "ok": r["rc"] == 0 and j.get("read") == n}
            log(f"  W4 c-abi {n}: {r['maxrssKiB'] / 1024:.1f} MiB, read {j.get('read')}")
            if avail.get("cmdlet", (True,))[0]:
                r = run_proc(pwsh_cmd("w4_cmdlet_count.ps1", "-Endpoint", sim.url, "-Token", TOKEN, "-Module", MODULE),
                             cfg["timeoutSeconds"] * 2)
                j = last_json(r["stdout"]) or {}
                out["cmdlet"][str(n)] = {"maxrssKiB": r["maxrssKiB"], "read": j.get("count"), "seconds": j.get("seconds"),
                                         "ok": r["rc"] == 0 and j.get("count") == n,
                                         "error": None if r["rc"] == 0 else (r["stderr"] or r["stdout"])[-600:]}
                log(f"  W4 cmdlet {n}: {r['maxrssKiB'] / 1024:.1f} MiB, count {j.get('count')}"
                    f"{'' if r['rc'] == 0 else ' FAILED: ' + (r['stderr'] or r['stdout'])[-300:]}")
    for key in ("c-abi", "cmdlet"):
        sizes = [str(n) for n in cfg["w4Sizes"]]
        if all(s in out[key] and out[key][s]["ok"] for s in sizes):
            out[key]["growth"] = out[key][sizes[-1]]["maxrssKiB"] / out[key][sizes[0]]["maxrssKiB"]
    if not avail.get("cmdlet", (True,))[0]:
        out["cmdlet"] = {"available": False, "note": avail["cmdlet"][1]}
    return out


# ------------------------------------------------------------------ report
def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg()
    return {"nproc": os.cpu_count(), "cpu": cpu, "memoryMiB": mem, "kernel": platform.release(),
            "loadAverageAtStart": [round(x, 2) for x in load]}


def fmt_s(s):
    if not s:
        return "—"
    if s["n"] == 1:
        return f"{s['median']:.2f} s"
    return f"{s['median']:.2f} s ({s['min']:.2f}–{s['max']:.2f})"


def targets(res):
    """Where each target stands (shown, not asserted)."""
    out = []

    def med(c):
        return c["seconds"]["median"] if c.get("available", True) and c.get("seconds") else None

    w = res["w1"]
    c = w.get("contenders", {})
    naive = med(c.get("irm-mggroup-style", {})) if c.get("irm-mggroup-style") else None
    for key, name in (("cmdlet", "Get-GroupWriteback"), ("c-abi", "C ABI")):
        m = med(c.get(key, {})) if c.get(key) else None
        if m is None:
            out.append(f"W1 {name}: not measured")
            continue
        x = m / w["limitSeconds"]
        line = f"W1 {name}: {x:.2f}× the paging limit (target ≤ 1.2×: {'met' if x <= 1.2 else 'missed'})"
        if w.get("rawFloorSeconds"):
            line += f", {m / w['rawFloorSeconds']['median']:.2f}× the simulator's raw paging floor"
        if naive:
            sp = naive / m
            line += f"; {sp:.1f}× faster than the Get-MgGroup-style script (target ≥ 5×: {'met' if sp >= 5 else 'missed'})"
        out.append(line)
    w = res["w2"]
    for key, name in (("cmdlet", "Set-GroupWriteback"), ("c-abi", "C ABI bulk")):
        e = w.get("contenders", {}).get(key)
        m = med(e) if e else None
        if m is None:
            out.append(f"W2 {name}: not measured")
            continue
        x = m / w["limitSeconds"]
        lost = e["lost"]["max"] if e.get("lost") else None
        ok = x <= 1.15 and lost == 0
        out.append(f"W2 {name}: {x:.2f}× the quota limit, {lost} lost at most (target ≤ 1.15× and none lost: "
                   f"{'met' if ok else 'missed'})")
    w = res.get("w2b") or {}
    for key, name in (("cmdlet", "Set-GroupWriteback from ids"), ("c-abi", "C ABI bulk from ids")):
        e = w.get("contenders", {}).get(key)
        m = med(e) if e else None
        if m is None:
            out.append(f"W2b {name}: not measured")
            continue
        x = m / w["limitSeconds"]
        lost = e["lost"]["max"] if e.get("lost") else None
        reads = e["simReads"]["max"] if e.get("simReads") else None
        most = -(-w["groups"] // 15)
        ok = x <= 1.15 and lost == 0 and reads is not None and reads <= most
        out.append(f"W2b {name}: {x:.2f}× the quota limit, {lost} lost at most, {reads} reads for {w['groups']:,} groups "
                   f"(target ≤ 1.15×, none lost, at most {most:,} reads: {'met' if ok else 'missed'})")
    w = res["w3"]
    if w.get("overheadSeconds") is not None:
        o = w["overheadSeconds"] * 1000
        out.append(f"W3: {o:.0f} ms over bare pwsh (target ≤ 300 ms: {'met' if o <= 300 else 'missed'})")
    else:
        out.append("W3: not measured")
    w = res["w4"]
    sizes = res["settings"]["w4Sizes"]
    for key, name in (("c-abi", "C ABI"), ("cmdlet", "cmdlet")):
        g = (w.get(key) or {}).get("growth")
        if g is None:
            out.append(f"W4 {name}: not measured")
        else:
            out.append(f"W4 {name}: peak memory ×{g:.2f} for {sizes[-1] / sizes[0]:g}× the groups (target flat, ≤ ×1.25: "
                       f"{'met' if g <= 1.25 else 'missed'})")
    return out


def cell(text):
    return str(text).replace("|", "\\|")


def bulk_table(w, title):
    """The lines of a bulk change's table (W2, W2b)."""
    lines = [title, "",
             "| contender | time, median (min–max) | × limit | lost or failed | reads (sim) | requests (sim) | writes (sim) | 429s (sim) | rounds |",
             "|---|---|---|---|---|---|---|---|---|"]
    med = lambda v: "—" if not v else (f"{v['median']:g}" if v["min"] == v["max"] else f"{v['median']:g} ({v['min']:g}–{v['max']:g})")
    for key, c in w["contenders"].items():
        if not c["available"]:
            lines.append(f"| {cell(c['label'])} | not available: {cell(c['note'])} | | | | | | | |")
            continue
        sec = c["seconds"]
        x = f"{sec['median'] / w['limitSeconds']:.2f}×" if sec else "—"
        lines.append(f"| {cell(c['label'])} | {fmt_s(sec) if sec else 'failed'} | {x} | {med(c['lost'])} | {med(c.get('simReads'))} "
                     f"| {med(c.get('simRequests'))} | {med(c['simWrites'])} | {med(c['sim429'])} | {len(c['runs'])} |")
    lines.append("")
    return lines


def table(res):
    lines = []
    w = res["w1"]
    lines.append(f"**W1 audit** — list {w['groups']:,} groups, keep those written back. "
                 f"Limit {w['limitSeconds']:.2f} s ({w['limitRule']}).")
    lines.append("")
    lines.append("| contender | time, median (min–max) | × limit | kept | requests | rounds |")
    lines.append("|---|---|---|---|---|---|")
    fl = w.get("rawFloorSeconds")
    if fl:
        lines.append(f"| *reference: the simulator's own paging floor (raw HTTP, $top=999, no parsing)* | {fmt_s(fl)} "
                     f"| {fl['median'] / w['limitSeconds']:.2f}× | | {w['limitPages']} | {fl['n']} |")
    for key, c in w["contenders"].items():
        if not c["available"]:
            lines.append(f"| {cell(c['label'])} | not available: {cell(c['note'])} | | | | |")
            continue
        s = c["seconds"]
        x = f"{s['median'] / w['limitSeconds']:.2f}×" if s else "—"
        lines.append(f"| {cell(c['label'])} | {fmt_s(s) if s else 'failed'} | {x} | {c['kept'] if c['kept'] is not None else '—'} "
                     f"| {c['requests'] if c['requests'] is not None else '—'} | {len(c['runs'])} |")
    lines.append("")
    w = res["w2"]
    lines += bulk_table(w, f"**W2 bulk change from a listing** — set {w['groups']:,} groups to Security under the write quota, "
                        f"scaled by graph-sim (--throttle-scale {w['throttleScale']} --throttle-speed {w.get('throttleSpeed', 1)}: "
                        f"{w['quota']}; the published quota is 3,000 writes per 150 s, 20/s), latency {w.get('latencyMs', '?')} "
                        f"ms/request; the groups carry their state, so nothing is read first. "
                        f"Limit {w['limitSeconds']:.1f} s ({w['limitRule']}).")
    w = res.get("w2b") or {}
    if w.get("contenders"):
        lines += bulk_table(w, f"**W2b bulk change from bare ids** — the same {w['groups']:,} groups and quota as W2, given as "
                               f"ids: the library reads them first, fifteen to a request (`$filter=id in (...)`, twenty to a "
                               f"`$batch`). Limit {w['limitSeconds']:.1f} s ({w['limitRule']}).")
    w = res["w3"]
    if w.get("available") and w.get("overheadSeconds") is not None:
        lines.append(f"**W3 start-up** — `pwsh -NoProfile` importing the module and reading one group "
                     f"({w['latencyMs']} ms latency) vs doing nothing:")
        lines.append(f"bare {fmt_s(w['bare'])}, module + one group {fmt_s(w['module'])}, "
                     f"overhead **{w['overheadSeconds'] * 1000:.0f} ms** (median of {w['module']['n']}).")
    else:
        why = w.get("note") or ("failed: " + (w.get("errors") or ["?"])[0].strip().splitlines()[-1][:200])
        lines.append(f"**W3 start-up** — not available: {why}")
    lines.append("")
    w = res["w4"]
    lines.append("**W4 memory** — peak resident memory listing every group"
                 + (f" (pwsh doing nothing: {w['pwshBareMaxrssKiB'] / 1024:.0f} MiB)" if w.get("pwshBareMaxrssKiB") else "") + ":")
    lines.append("")
    sizes = [str(n) for n in res["settings"]["w4Sizes"]]
    lines.append("| contender | " + " | ".join(f"{int(s):,} groups" for s in sizes) + " | growth |")
    lines.append("|---|" + "---|" * (len(sizes) + 1))
    for key, label in (("c-abi", "C ABI (w1_list all)"), ("cmdlet", "Get-GroupWriteback -All | ForEach-Object counter")):
        d = w.get(key, {})
        if d.get("available") is False:
            lines.append(f"| {cell(label)} | not available: {cell(d.get('note'))} |" + " |" * len(sizes))
            continue
        cells = []
        for s in sizes:
            e = d.get(s)
            cells.append("—" if not e else (f"{e['maxrssKiB'] / 1024:.0f} MiB" + ("" if e["ok"] else " (failed)")))
        g = d.get("growth")
        lines.append(f"| {cell(label)} | " + " | ".join(cells) + f" | {'×%.2f' % g if g else '—'} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes, one round (trying the harness)")
    ap.add_argument("--only", default="w1,w2,w2b,w3,w4", help="workloads to run (trying the harness)")
    ap.add_argument("--rounds", type=int, help="override every round count (trying the harness)")
    args = ap.parse_args()
    cfg = json.loads(json.dumps(QUICK if args.quick else FULL))
    if args.rounds:
        cfg["w1Rounds"] = {k: args.rounds for k in cfg["w1Rounds"]}
        cfg["w2Rounds"] = {k: args.rounds for k in cfg["w2Rounds"]}
        cfg["w3Rounds"] = args.rounds
    partial = args.quick or args.rounds or args.only != "w1,w2,w2b,w3,w4"
    os.makedirs(RESULTS, exist_ok=True)
    started = time.monotonic()
    res = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(), "settings": cfg, "partial": bool(partial),
        "versions": {},
    }
    try:
        res["versions"]["pwsh"] = subprocess.run([PWSH, "-NoProfile", "-Command", "$PSVersionTable.PSVersion.ToString()"],
                                                 capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as e:  # noqa: BLE001
        res["versions"]["pwsh"] = f"unavailable: {e}"
    log(f"machine: {res['machine']}")

    # Which contenders can run here.
    shutil.rmtree(os.path.dirname(MODULE), ignore_errors=True)
    if os.path.exists(os.path.join(MODULE_SRC, "bin", "net6.0", "GroupWriteback.Native.dll")):
        shutil.copytree(MODULE_SRC, MODULE)
    cmds = module_cmdlets() or set()
    avail = {}
    need = {"cmdlet-w1": {"Connect-GroupWriteback", "Get-GroupWriteback"},
            "cmdlet-w2": {"Connect-GroupWriteback", "Set-GroupWriteback"}}
    missing1 = sorted(need["cmdlet-w1"] - cmds)
    missing2 = sorted(need["cmdlet-w2"] - cmds)
    avail_w1 = dict(avail)
    avail_w2 = dict(avail)
    if missing1:
        avail_w1["cmdlet"] = (False, "the module does not export " + ", ".join(missing1) + " yet")
    if missing2:
        avail_w2["cmdlet"] = (False, "the module does not export " + ", ".join(missing2) + " yet")
    elif "State" not in cmdlet_params("Set-GroupWriteback"):
        avail_w2["cmdlet"] = (False, "Set-GroupWriteback is not implemented yet (no -State parameter)")
    if not os.path.exists(DOTNET_SDK_BIN):
        avail_w1["graph-dotnet-sdk"] = (False, "Microsoft.Graph 6.10.0 did not restore or build here (see make bench output)")
    res["available"] = {"moduleCommands": sorted(cmds)}

    only = set(args.only.split(","))
    empty_w = {"contenders": {}, "groups": 0, "limitSeconds": 1, "limitRule": "", "throttleScale": 0, "quota": "", "tenantGroups": 0}
    res["w1"] = w1(cfg, avail_w1) if "w1" in only else empty_w
    res["w2"] = w2(cfg, avail_w2, "listing") if "w2" in only else empty_w
    res["w2b"] = w2(cfg, avail_w2, "ids") if "w2b" in only else empty_w
    res["w3"] = w3(cfg, avail_w1) if "w3" in only else {"available": False, "note": "not run"}
    res["w4"] = w4(cfg, avail_w1) if "w4" in only else {}
    res["elapsedSeconds"] = round(time.monotonic() - started, 1)
    res["machine"]["loadAverageAtEnd"] = [round(x, 2) for x in os.getloadavg()]

    md = table(res)
    header = (f"{res['date']} · {res['machine']['nproc']} × {res['machine']['cpu']}, "
              f"{res['machine']['memoryMiB']:,} MiB · graph-sim latency {cfg['latencyMs']} ms/request · "
              f"bench took {res['elapsedSeconds']:.0f} s · load average {res['machine']['loadAverageAtStart'][0]} at start, "
              f"{res['machine']['loadAverageAtEnd'][0]} at end")
    res["targets"] = targets(res)
    md += "\n\n**Targets** (shown, not asserted):\n\n" + "\n".join(f"- {t}" for t in res["targets"])
    res["table"] = md
    print()
    print(header)
    print()
    print(md)
    stem = "trial" if partial else "latest"
    with open(os.path.join(RESULTS, f"{stem}.json"), "w") as f:
        json.dump(res, f, indent=2)
    with open(os.path.join(RESULTS, f"{stem}.md"), "w") as f:
        f.write(header + "\n\n" + md + "\n")
    if not partial:
        dated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
        shutil.copyfile(os.path.join(RESULTS, "latest.json"), os.path.join(RESULTS, f"{dated}.json"))
    subprocess.run([sys.executable, os.path.join(BENCH, "chart.py"), os.path.join(RESULTS, f"{stem}.json"),
                    os.path.join(RESULTS, f"{stem}.svg")], check=False)
    log(f"wrote bench/results/{stem}.json, {stem}.md, {stem}.svg in {res['elapsedSeconds']:.0f} s")


if __name__ == "__main__":
    main()
