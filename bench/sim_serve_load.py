"""`labguide sim serve` under a classroom's load, measured as the budget says it.

Budget (DESIGN.md): one `sim serve` on 2 cores, at least 200 accounts, each polled
with a full check round every 5 s, p95 under 500 ms.

Starts `labguide sim serve compromised-iam-credentials --accounts N --env-file F` on
loopback (provisioning time = until F appears), gives every account a real
`labguide.checks.CheckRunner` on `Target.for_simulator(...)`, solves a share of the
accounts (so their rounds do the full work: SSM reads and all) and runs one round per
account to warm up. Then, for DURATION seconds, one round per account every PERIOD
seconds, rounds staggered evenly over the period, by one of two clients:

- `--client replay` (default): in a class the 200 clients are 200 laptops, not the
  server's machine, so the load is generated the way wrk/locust replay traffic. One
  more real CheckRunner round per account is recorded (a botocore `before-send` hook on
  that account's clients: method, URL, headers, body, as sent and signed; the status
  each got, from `response-received`); a separate process then replays each account's
  recorded round with `http.client` on kept-alive loopback connections (one per client
  thread), the requests of a round one after another (conservative: the app's runner
  runs some of them in parallel). A request whose status differs from the recorded
  one, or that fails, makes its round an error (the first error body is printed,
  abbreviated; credentials are never printed).
- `--client checkrunner`: the real CheckRunners run the rounds on client threads in
  this process (botocore's CPU, ~1.9 ms a request, competes with the server's).

Prints per-round latency p50/p95/p99 (a round's first request sent to its last answer
read: the budget's reading), per-request latency p50/p95/p99, how far rounds started
behind their schedule, requests per second, and the CPU of the server process and of
the client process separately. Bounded: the load stops by itself.

    python bench/sim_serve_load.py [--accounts 200] [--duration 60] [--period 5]
                                   [--solved 0.5] [--threads 32] [--client replay]
                                   [--runner-workers 4]

Measured 2026-11-28 (200 accounts, 60 s, 2 shared cores, other engineers' tests running,
load average 5-10): 11 calls per round on average (13 solved, 9 unsolved), 440 req/s
needed. Before (9d0be89): provisioned 16-24 s; server 1.81-1.84 ms CPU/request; rounds
p50/p95 288/498 ms (12 client threads) and 874/1486 ms (32), starting 2.8-4.4 s (p50)
behind schedule. After (default AMIs skipped, serializer cache, keep-alive, one world
driver): provisioned 2.3-3.5 s; server 1.46-1.63 ms CPU/request; client 1.7-1.9 ms;
rounds p50/p95 840/1298 and 993/1554 ms, starting 4.6-11.9 s (p50) behind: this bench's
processes got only 60-64% of the 2 cores, so the budget was not shown to hold here.
CheckRunner client again (4263acf): 440 req/s; rounds p50/p95/p99 479/1048/1325 ms; server
1.53 ms CPU/request, client 1.86 ms: the client, not the server, took most of the cores.
Replay client, same server (4141a76, load average 1.4 -> 2.2): rounds p50/p95/p99
17.5/30.5/69.8 ms, requests 1.4/3.8/6.4 ms; server 1.38 ms CPU/request, client 0.26 ms.
With another engineer's test suite running beside it (8379ab2, load average 1.6 -> 6.2):
rounds 24/624/832 ms, requests 2.3/58/105 ms, server 1.59 ms CPU/request: the budget
holds only while the server gets most of a core.
After findings without deep copies, xml_unparse and get_value without contexts (8c7c0dd),
three runs, load average 1.1-1.8 before, 1.5-2.1 after: 440 req/s, 0 errors, every status
as recorded; rounds p50/p95/p99 14.2/20.7/25.0, 16.8/30.4/64.5, 16.5/38.3/129.0 ms;
requests 1.1/2.4/3.4, 1.4/3.4/6.3, 1.4/3.7/10.3 ms; server 1.12-1.36 ms CPU/request
(0.49-0.60 of a core), client 0.22-0.27 ms. One run saw 2 botocore ConnectionClosedError
retries while recording (a kept-alive connection the server closed after 60 s idle,
reused at that moment); the retried send is not replayed. (These include e38c234's
gc.freeze of the provisioned worlds; without it, one run: rounds 14.9/22.3/27.4 ms,
server 1.19 ms CPU/request: within the spread.) --client checkrunner on the
same code (load average 0.6 -> 5.4): rounds 603/1115/1323 ms, client 1.94 ms CPU/request,
server 1.50: the two processes then share the cores (75% of both), as in 4263acf.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import queue
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

from labguide.actions import apply
from labguide.checks import CheckRunner
from labguide.checks.facts import discover, iso
from labguide.scenario import load_scenario
from labguide.target import Target

SCENARIO = "compromised-iam-credentials"
REQUEST_TIMEOUT_S = 30  # a replayed request that takes longer is an error, not a hang


def _accounts(env_file: Path) -> list[dict[str, str]]:
    accounts: list[dict[str, str]] = []
    for line in env_file.read_text().splitlines():
        if line.startswith("# account "):
            accounts.append({"account": line.split()[-1]})
        elif line.startswith("export "):
            name, value = line[len("export "):].split("=", 1)
            accounts[-1][name] = shlex.split(value)[0]
    return accounts


def _cpu_seconds(pid: int, *, system_only: bool = False) -> float:
    """User+system (or only system) CPU time of a process (Linux /proc), to split the
    load's cost."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[12]) if system_only else int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _solve(loaded, target: Target) -> None:
    for step in loaded.scenario.steps:
        facts = discover(target, loaded.scenario.facts).values()
        apply(step, facts, target, now=iso(target.now()))


def _rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process (this one by default), in MB, from /proc."""
    with open(f"/proc/{pid or 'self'}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)


def _spread(values: list[float]) -> dict[str, float | None]:
    return {"p50": _pct(values, 0.50), "p95": _pct(values, 0.95),
            "p99": _pct(values, 0.99), "max": _pct(values, 1.0)}


def _abbreviated(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "..."


def _on_schedule(accounts: list, run_round, *, period: float, duration: float,
                 threads: int) -> float:
    """`run_round(account, due)` for every account once a period, rounds staggered evenly
    over the period, on `threads` threads, for `duration` seconds; returns the time taken."""
    cycles = max(1, int(duration / period))
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        futures = []
        for cycle in range(cycles):  # bounded: cycles x accounts rounds
            for index, account in enumerate(accounts):
                due = started + cycle * period + index * period / len(accounts)
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(run_round, account, due))
        for future in futures:
            future.result()
    return time.perf_counter() - started


# ----- recording one real round per account ------------------------------------------------

class _Recorder:
    """The HTTP requests one account's clients send, with the status each one got."""

    def __init__(self) -> None:
        self.recording = False
        self.requests: list[dict] = []
        self.retries = 0  # requests botocore sent again while recording
        self.failures: dict[str, int] = {}  # failed sends during setup, by operation: error
        self._by_invocation: dict[str, dict] = {}
        self._lock = threading.Lock()

    def before_send(self, request, **_) -> None:
        if not self.recording:
            return None
        body = request.body
        if hasattr(body, "read"):  # botocore gives bytes for these APIs; be safe
            raise RuntimeError("a streamed request body cannot be recorded")
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {k: (v.decode() if isinstance(v, bytes) else str(v))
                   for k, v in request.headers.items()}
        record = {"method": request.method, "url": request.url, "headers": headers,
                  "body": body or b"", "status": None, "operation": None}
        invocation = headers.get("amz-sdk-invocation-id", "")
        with self._lock:
            earlier = self._by_invocation.get(invocation)
            if earlier is not None and earlier in self.requests:
                self.requests.remove(earlier)  # a retry: the round's request is its last send
                self.retries += 1
            self.requests.append(record)
            self._by_invocation[invocation] = record
        return None  # let the request proceed

    def response_received(self, context, response_dict, event_name, exception=None,
                          **_) -> None:
        if exception is not None:  # botocore retries it (or gives up): count what failed
            with self._lock:
                name = f"{event_name.rsplit('.', 1)[-1]}: {type(exception).__name__}"
                self.failures[name] = self.failures.get(name, 0) + 1
        if not self.recording:
            return
        invocation = (context or {}).get("retries", {}).get("invocation-id", "")
        with self._lock:
            record = self._by_invocation.get(invocation)
        if record is not None:
            record["operation"] = event_name.rsplit(".", 1)[-1]
            record["status"] = (response_dict or {}).get("status_code")


def record_account(loaded, account: dict[str, str], *, solve: bool, runner_workers: int,
                   count=None, runner: CheckRunner | None = None
                   ) -> tuple[list[dict], _Recorder, int]:
    """One account's recorded round (solved first if asked), with its own short-lived
    CheckRunner: only the recorded requests outlive it. Keeping every account's runner
    (boto3 clients, thread pools) alive grew this bench to 14.8 GB at 400 accounts.
    `runner`: an account's runner made already (its clients warm), used and left open."""
    own = runner is None
    if own:
        creds = SimpleNamespace(access_key_id=account["AWS_ACCESS_KEY_ID"],
                                secret_access_key=account["AWS_SECRET_ACCESS_KEY"])
        target = Target.for_simulator(account["AWS_ENDPOINT_URL"], creds,
                                      loaded.scenario.region)
        runner = CheckRunner(loaded, target, max_workers=runner_workers)
    target = runner.target
    calls = [0]
    target.on_event("before-call.*.*", lambda **_: calls.__setitem__(0, calls[0] + 1))
    recorder = _Recorder()
    target.on_event("before-send.*.*", recorder.before_send)
    target.on_event("response-received.*.*", recorder.response_received)
    try:
        if solve:
            _solve(loaded, target)
        runner.run_round()  # warm clients and lasting reads
        before = calls[0]
        recorder.recording = True
        runner.run_round()
        recorder.recording = False
    finally:
        if own:
            runner.close()
    for request in recorder.requests:
        request["path"] = _path(request.pop("url"))
    requests, recorder.requests = recorder.requests, []
    recorder._by_invocation.clear()
    return requests, recorder, calls[0] - before


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") or "/"


# ----- the replay client (its own process) --------------------------------------------------

def _replay(host: str, port: int, rounds: list[list[dict]], args: dict, out) -> None:
    """Replay each account's recorded round on schedule; put the figures on `out`."""
    local = threading.local()
    lock = threading.Lock()
    round_s: list[float] = []
    request_s: list[float] = []
    behind: list[float] = []
    errors: list[str] = []
    non_2xx = [0]
    status_mismatches = [0]
    requests_sent = [0]

    def connection() -> http.client.HTTPConnection:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(host, port,
                                                           timeout=REQUEST_TIMEOUT_S)
        return conn

    def send(request: dict) -> tuple[int, bytes]:
        try:
            return exchange(request)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            local.conn.close()  # a kept-alive connection the server closed: reconnect once
            local.conn = None
            return exchange(request)

    def exchange(request: dict) -> tuple[int, bytes]:
        conn = connection()
        conn.request(request["method"], request["path"], body=request["body"],
                     headers=request["headers"])
        response = conn.getresponse()
        body = response.read()
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            local.conn = None
        return response.status, body

    def run_round(requests: list[dict], due: float) -> None:
        start = time.perf_counter()
        times: list[float] = []
        error = None
        mismatched = 0
        bad = 0
        for request in requests:
            sent = time.perf_counter()
            try:
                status, body = send(request)
            except Exception as exc:  # noqa: BLE001 - count it, keep the load going
                if getattr(local, "conn", None) is not None:
                    local.conn.close()
                    local.conn = None
                error = error or f"{request['operation']}: {type(exc).__name__}: {exc}"
                break
            times.append(time.perf_counter() - sent)
            if not 200 <= status < 300:
                bad += 1
            if status != request["status"]:
                mismatched += 1
                error = error or (f"{request['operation']}: HTTP {status} (recorded "
                                  f"{request['status']}): {_abbreviated(body)}")
        end = time.perf_counter()
        with lock:
            round_s.append(end - start)
            request_s.extend(times)
            behind.append(max(0.0, start - due))
            requests_sent[0] += len(times)
            non_2xx[0] += bad
            status_mismatches[0] += mismatched
            if error:
                errors.append(error)

    cpu = time.process_time()
    elapsed = _on_schedule(rounds, run_round, period=args["period"],
                           duration=args["duration"], threads=args["threads"])
    out.put({"elapsed": elapsed,
             "client_cpu": time.process_time() - cpu, "round_s": round_s,
             "request_s": request_s, "behind": behind, "errors": errors,
             "requests": requests_sent[0], "non_2xx": non_2xx[0],
             "status_mismatches": status_mismatches[0]})


def _run_replay(endpoint: str, rounds: list[list[dict]], args, server_pid: int) -> dict:
    parts = urlsplit(endpoint)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    client = context.Process(
        target=_replay, name="labguide-load-replay",
        args=(parts.hostname, parts.port, rounds,
              {"period": args.period, "duration": args.duration, "threads": args.threads},
              results))
    server_cpu = _cpu_seconds(server_pid)
    server_system = _cpu_seconds(server_pid, system_only=True)
    client.start()
    try:
        figures = results.get(timeout=args.duration + 300)  # bounded
    except queue.Empty:
        raise SystemExit("the replay client gave no figures in time") from None
    finally:
        client.join(timeout=30)
        if client.is_alive():
            client.terminate()
            client.join(timeout=5)
    figures["server_cpu"] = _cpu_seconds(server_pid) - server_cpu
    figures["server_system_cpu"] = _cpu_seconds(server_pid, system_only=True) - server_system
    return figures


# ----- the CheckRunner client (this process) ------------------------------------------------

def _run_checkrunners(runners: list[CheckRunner], calls: list[int], args,
                      server_pid: int) -> dict:
    round_s: list[float] = []
    behind: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run_round(runner: CheckRunner, due: float) -> None:
        start = time.perf_counter()
        try:
            result = runner.run_round()
            failed = [c.summary for s in result.steps for c in s.checks
                      if c.status == "error"]
        except Exception as exc:  # noqa: BLE001 - count it, keep the load going
            failed = [f"{type(exc).__name__}: {exc}"]
        end = time.perf_counter()
        with lock:
            round_s.append(end - start)
            behind.append(max(0.0, start - due))
            errors.extend(failed[:1])

    server_cpu = _cpu_seconds(server_pid)
    server_system = _cpu_seconds(server_pid, system_only=True)
    client_cpu = time.process_time()
    calls_before = calls[0]
    elapsed = _on_schedule(runners, run_round, period=args.period, duration=args.duration,
                           threads=args.threads)
    return {"elapsed": elapsed,
            "client_cpu": time.process_time() - client_cpu,
            "server_cpu": _cpu_seconds(server_pid) - server_cpu,
            "server_system_cpu": _cpu_seconds(server_pid, system_only=True) - server_system,
            "round_s": round_s, "request_s": [], "behind": behind, "errors": errors,
            "requests": calls[0] - calls_before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--period", type=float, default=5.0)
    parser.add_argument("--solved", type=float, default=0.5,
                        help="share of accounts solved before the load (full-work rounds)")
    parser.add_argument("--threads", type=int, default=32, help="client threads running rounds")
    parser.add_argument("--client", choices=("replay", "checkrunner"), default="replay",
                        help="replay recorded rounds from another process (default), or run "
                             "real CheckRunners in this one")
    parser.add_argument("--runner-workers", type=int, default=4,
                        help="CheckRunner pool size per account (the app uses 8)")
    args = parser.parse_args()
    loaded = load_scenario(SCENARIO)
    region = loaded.scenario.region

    folder = Path(tempfile.mkdtemp(prefix="labguide-load-"))
    env_file = folder / "accounts.env"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    load_before = os.getloadavg()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "labguide", "sim", "serve", SCENARIO, "--accounts",
         str(args.accounts), "--env-file", str(env_file), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    runners: list[CheckRunner] = []
    try:
        deadline = started + 600
        while not env_file.exists():  # bounded wait for provisioning
            if server.poll() is not None or time.perf_counter() > deadline:
                raise SystemExit(f"sim serve failed:\n{server.stderr.read()}")
            time.sleep(0.05)
        provisioned = time.perf_counter() - started
        calls = [0]
        count_lock = threading.Lock()

        def count(**_):
            with count_lock:
                calls[0] += 1

        accounts = _accounts(env_file)
        endpoint = accounts[0]["AWS_ENDPOINT_URL"]
        solved = int(round(args.solved * len(accounts)))
        setup_started = time.perf_counter()
        recorders = []
        if args.client == "replay":
            def record(indexed):
                index, account = indexed
                return record_account(loaded, account, solve=index < solved,
                                      runner_workers=args.runner_workers)

            with ThreadPoolExecutor(min(args.threads, 8)) as pool:
                recorded_all = list(pool.map(record, enumerate(accounts)))
            rounds = [r for r, _, _ in recorded_all]
            recorders = [rec for _, rec, _ in recorded_all]
            calls_per_round = {"solved": recorded_all[0][2] if solved else None,
                               "unsolved": recorded_all[-1][2] if solved < len(accounts)
                               else None}
            setup_s = time.perf_counter() - setup_started
            recorded = {"requests_per_round": {"min": min(map(len, rounds)),
                                               "max": max(map(len, rounds))},
                        "retried_while_recording": sum(r.retries for r in recorders),
                        "non_2xx_recorded": sum(r["status"] != 200
                                                for rs in rounds for r in rs),
                        "bench_rss_mb_after_recording": _rss_mb()}
            figures = _run_replay(endpoint, rounds, args, server.pid)
        else:
            for account in accounts:
                creds = SimpleNamespace(access_key_id=account["AWS_ACCESS_KEY_ID"],
                                        secret_access_key=account["AWS_SECRET_ACCESS_KEY"])
                target = Target.for_simulator(account["AWS_ENDPOINT_URL"], creds, region)
                target.on_event("before-call.*.*", count)
                recorder = _Recorder()
                target.on_event("response-received.*.*", recorder.response_received)
                recorders.append(recorder)
                runners.append(CheckRunner(loaded, target, max_workers=args.runner_workers))
            with ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(lambda r: _solve(loaded, r.target), runners[:solved]))
                list(pool.map(lambda r: r.run_round(), runners))  # warm clients
            setup_s = time.perf_counter() - setup_started
            calls_per_round = {}
            for label, index in (("solved", 0), ("unsolved", len(runners) - 1)):
                if (index < solved) == (label == "solved"):
                    before = calls[0]
                    runners[index].run_round()
                    calls_per_round[label] = calls[0] - before
            recorded = {}
            figures = _run_checkrunners(runners, calls, args, server.pid)
        server_rss_mb = _rss_mb(server.pid)
        failures: dict[str, int] = {}
        for recorder in recorders:
            for name, times in recorder.failures.items():
                failures[name] = failures.get(name, 0) + times
    finally:
        for runner in runners:
            runner.close(wait=False)
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)  # it holds the accounts' keys

    cycles = max(1, int(args.duration / args.period))
    requests, elapsed = figures["requests"], figures["elapsed"]
    server_cpu, client_cpu = figures["server_cpu"], figures["client_cpu"]
    errors = figures["errors"]
    print(json.dumps({
        "client": args.client, "threads": args.threads,
        "accounts": args.accounts, "provisioned_s": round(provisioned, 2),
        "provision_budget_s": 60, "solved_accounts": solved, "setup_s": round(setup_s, 1),
        "calls_per_round": calls_per_round, "botocore_send_failures": failures, **recorded,
        "rounds": len(figures["round_s"]), "requests": requests,
        "scheduled_s": cycles * args.period, "load_s": round(elapsed, 1),
        "rounds_per_s_needed": round(args.accounts / args.period, 1),
        "requests_per_s": round(requests / elapsed, 1),
        "round_ms": _spread(figures["round_s"]),
        "request_ms": _spread(figures["request_s"]) if figures["request_s"] else None,
        "round_start_behind_schedule_ms": {"p50": _pct(figures["behind"], 0.50),
                                           "p95": _pct(figures["behind"], 0.95),
                                           "max": _pct(figures["behind"], 1.0)},
        "rounds_with_errors": len(errors), "first_error": errors[0] if errors else None,
        "non_2xx_responses": figures.get("non_2xx"),
        "status_differs_from_recorded": figures.get("status_mismatches"),
        "server_cpu_s": round(server_cpu, 1),
        "server_system_cpu_s": round(figures["server_system_cpu"], 1),
        "client_cpu_s": round(client_cpu, 1),
        "server_cpu_ms_per_request": round(server_cpu / max(1, requests) * 1000, 2),
        "client_cpu_ms_per_request": round(client_cpu / max(1, requests) * 1000, 2),
        "cpu_share_of_2_cores": round((server_cpu + client_cpu) / elapsed / 2, 2),
        # share of one core (the server is one GIL-bound process) the schedule needs
        "server_core_needed": round(server_cpu / max(1, len(figures["round_s"]))
                                    * args.accounts / args.period, 2),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "p95_budget_ms": 500, "server_exit_code": server.returncode,
        "server_rss_mb": server_rss_mb, "bench_rss_mb": _rss_mb(),
    }, indent=2))


if __name__ == "__main__":
    main()
