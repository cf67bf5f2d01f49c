"""`labguide class serve` under a class's load, as DESIGN.md's budget says.

Budget: one `class serve` on 2 cores, 200 seats each polled by its app (a full check
round every 5 s), the server's own checks, two dashboards polling status every 2 s,
signatures checked: round p95 under 500 ms, status p95 under 200 ms.

Budget for the first minute: as fast as the steady state, a class starting all at once.

Starts `labguide class serve compromised-iam-credentials --seats N` (a subprocess), joins
every seat through the class API, then:

1. records each seat's first check round (a new app's, on the untouched account) and a
   later one (steady state; `--solved` of the seats solved before it) with real
   CheckRunners: the requests as signed (botocore before-send), the status each got;
2. stops the class and serves it again from its state (same seats, keys and worlds): a
   cold server, as at the start of a class. A separate process is the class's laptops:
   each seat holds `--connections` kept-alive connections to its worker (the app's
   runner holds 4), and sends its recorded rounds one request after another;
3. the stampede: every seat at once (a thread each, released together) joins over the
   class API and makes its first round; then the first minute (each seat's round once a
   period, staggered, as apps poll), a steady minute after it, and the first rounds again
   all at once on the warm server (the burst's own cost, coldness aside); two dashboard
   threads GET /class/status every 2 s throughout;
4. prints, per phase, round, request and status latency and the server's CPU per
   request (its own check rounds counted from /class/health of every process), the
   server's resident memory per seat, and the CPU one SigV4 check costs (botocore's
   canonical request over the recorded requests, in this process): the difference
   signature checking makes. Top-level round_ms and status_ms are the steady minute's.

Why recorded rounds: real CheckRunners in one bench process spend ~1.9 ms of botocore
CPU a request under one GIL, on the server's cores; 200 of them at once timed the
bench's own client more than the server (its first rounds' p95 was 2.3 s even warm).

    python bench/class_load.py [--seats 200] [--duration 60] [--period 5] [--solved 0.5]
                               [--connections 4] [--workers W]
                               [--http-server waitress|werkzeug|cheroot]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import multiprocessing
import os
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim_serve_load import (  # noqa: E402 - a sibling script
    REQUEST_TIMEOUT_S,
    _abbreviated,
    _cpu_seconds,
    _on_schedule,
    _path,
    _Recorder,
    _rss_mb,
    _solve,
    _spread,
)

from labguide.checks import CheckRunner  # noqa: E402
from labguide.classroom.client import ClassClient  # noqa: E402
from labguide.classroom.state import ClassState  # noqa: E402
from labguide.scenario import load_scenario  # noqa: E402
from labguide.target import Target  # noqa: E402

SCENARIO = "compromised-iam-credentials"


def _family_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (the class's worker processes)."""
    total = _cpu_seconds(pid)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                total += _cpu_seconds(int(entry))
    return total


def _check_rounds(urls: list[str]) -> int:
    """The server's own check rounds so far, summed over the class's processes."""
    return sum(ClassClient(u, timeout=300).health()["check_rounds"] for u in urls)


def _family_rss(pid: int) -> float:
    total = _rss_mb(pid)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    total += _rss_mb(int(entry))
            except OSError:
                continue
    return round(total, 1)


def _serve(seats: int, state: Path, env: dict,
           workers: int) -> tuple[subprocess.Popen, str, list[str]]:
    # stderr to a file: a pipe nobody reads fills after 64 KB of log lines and then blocks
    # every server thread that logs (seen: the whole class hung, idle, mid-bench)
    log = (state.parent / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "labguide", "class", "serve", SCENARIO, "--seats", str(seats),
         "--state", str(state), "--workers", str(workers)], env=env, stdout=subprocess.PIPE,
        stderr=log, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 900
    for line in server.stdout:  # bounded by the server's own output and the deadline
        lines.append(line)
        if line.strip().startswith(f"seat {seats:>3}") or time.monotonic() > deadline:
            break
    url = next((x.split()[-1] for x in lines if x.startswith("class URL:")), None)
    if url is None:
        raise SystemExit(f"class serve failed:\n{(state.parent / 'server.log').read_text()}")
    codes = [x.split()[2] for x in lines if x.strip().startswith("seat ")]
    return server, url, codes


def _say(what: str) -> None:
    """Progress on stderr (the figures are stdout's JSON)."""
    print(f"{time.strftime('%H:%M:%S')} {what}", file=sys.stderr, flush=True)


def _account(joined: dict) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": joined["endpoint_url"],
            "AWS_ACCESS_KEY_ID": joined["access_key_id"],
            "AWS_SECRET_ACCESS_KEY": joined["secret_access_key"]}


SERVICES = ("sts", "guardduty", "iam", "ec2", "ssm", "cloudtrail", "s3", "logs")


def _runner(loaded, account: dict[str, str]) -> CheckRunner:
    """A seat's CheckRunner with its boto3 clients made (in a class, each laptop makes its
    own: their CPU is not the server's, so they are made before the clock starts)."""
    creds = SimpleNamespace(access_key_id=account["AWS_ACCESS_KEY_ID"],
                            secret_access_key=account["AWS_SECRET_ACCESS_KEY"])
    target = Target.for_simulator(account["AWS_ENDPOINT_URL"], creds, loaded.scenario.region)
    for service in SERVICES:
        target.client(service)
    return CheckRunner(loaded, target, max_workers=4)


def _recorded(recorder: _Recorder, run) -> list[dict]:
    """The requests `run()` sends, as signed, each with the Host it was signed for (a
    replay may reach the seat's worker on another port: a restarted class's)."""
    recorder.recording = True
    try:
        run()
    finally:
        recorder.recording = False
    requests, recorder.requests = recorder.requests, []
    recorder._by_invocation.clear()
    for request in requests:
        url = request.pop("url")
        request["headers"]["Host"] = urlsplit(url).netloc
        request["path"] = _path(url)
    return requests


def _record_seat(loaded, account: dict[str, str], solve: bool) -> tuple[list, list]:
    """A seat's first check round, as a new app makes it on an untouched account, and a
    later one (steady state: solved first if asked, one round between), recorded with a
    real CheckRunner; the runner is closed. (Recorded after the solve, the first round
    sent an SSM command and asked for its output by an id a restarted world has not.)"""
    runner = _runner(loaded, account)
    recorder = _Recorder()
    runner.target.on_event("before-send.*.*", recorder.before_send)
    runner.target.on_event("response-received.*.*", recorder.response_received)
    try:
        first = _recorded(recorder, runner.run_round)
        if solve:
            _solve(loaded, runner.target)
        runner.run_round()
        steady = _recorded(recorder, runner.run_round)
    finally:
        runner.close(wait=False)
    return first, steady


class _Seat:
    """A participant's laptop in the client process: its kept-alive connections (as many
    as the app's runner holds) to its worker, its rounds one at a time."""

    def __init__(self, index: int, code: str, first: list, steady: list, connections: int):
        self.index, self.code, self.first, self.steady = index, code, first, steady
        self.connections = connections
        self.endpoint: tuple[str, int] | None = None
        self._pool: list[http.client.HTTPConnection] = []
        self.lock = threading.Lock()

    def join(self, url: str) -> None:
        joined = ClassClient(url, code=self.code).join(self.code, f"load {self.index}")
        parts = urlsplit(joined["endpoint_url"])
        self.endpoint = (parts.hostname, parts.port)
        self._pool = [http.client.HTTPConnection(*self.endpoint, timeout=REQUEST_TIMEOUT_S)
                      for _ in range(self.connections)]

    def round(self, requests: list[dict]) -> tuple[list[float], str | None]:
        """Send a recorded round, its requests one after another over the seat's
        connections in turn (conservative: the app sends some at once); request times
        and the first error."""
        times: list[float] = []
        if not self._pool:
            return times, "the seat did not join"
        with self.lock:
            for number, request in enumerate(requests):
                slot = number % len(self._pool)
                sent = time.perf_counter()
                try:
                    status, body = self._exchange(slot, request)
                except Exception as exc:  # noqa: BLE001 - count it, keep the load going
                    self._pool[slot].close()
                    return times, f"{request['operation']}: {type(exc).__name__}: {exc}"
                times.append(time.perf_counter() - sent)
                if status != request["status"]:
                    return times, (f"{request['operation']}: HTTP {status} (recorded "
                                   f"{request['status']}): {_abbreviated(body)}")
        return times, None

    def _exchange(self, slot: int, request: dict) -> tuple[int, bytes]:
        for attempt in (1, 2):
            connection = self._pool[slot]
            try:
                connection.request(request["method"], request["path"], body=request["body"],
                                   headers=request["headers"])
                response = connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()  # a kept-alive connection the server closed: once more
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        for connection in self._pool:
            connection.close()


class _Phase:
    """One stretch of the class: its rounds' and requests' times, its errors."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.round_s: list[float] = []
        self.request_s: list[float] = []
        self.errors: list[str] = []

    def add(self, seconds: float, times: list[float], error: str | None) -> None:
        with self.lock:
            self.round_s.append(seconds)
            self.request_s.extend(times)
            if error:
                self.errors.append(error)

    def figures(self) -> dict:
        return {"rounds": len(self.round_s), "requests": len(self.request_s),
                "rounds_with_errors": len(self.errors),
                "first_error": self.errors[0] if self.errors else None,
                "round_ms": _spread(self.round_s), "request_ms": _spread(self.request_s)}


def _burst(seats: list[_Seat], url: str | None) -> dict:
    """Every seat at once, each on a thread of its own (a laptop each): join (if `url`),
    then the first round. The figures of that minute's start."""
    phase = _Phase()
    joins: list[float] = []
    totals: list[float] = []
    barrier = threading.Barrier(len(seats))

    def one(seat: _Seat) -> None:
        barrier.wait()
        started = time.perf_counter()
        if url is not None:
            try:
                seat.join(url)
            except Exception as exc:  # noqa: BLE001 - count it
                phase.add(0.0, [], f"join: {type(exc).__name__}: {exc}")
                return
        joined = time.perf_counter()
        times, error = seat.round(seat.first)
        ended = time.perf_counter()
        phase.add(ended - joined, times, error)
        with phase.lock:
            joins.append(joined - started)
            totals.append(ended - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=one, args=(seat,)) for seat in seats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures = phase.figures()
    figures["all_done_s"] = round(time.perf_counter() - started, 1)
    if url is not None:
        figures["join_ms"] = _spread(joins)
        figures["join_and_first_round_ms"] = _spread(totals)
    return figures


def _scheduled(seats: list[_Seat], period: float, duration: float, threads: int) -> dict:
    """Each seat's steady round once a period, staggered over the period, as apps poll."""
    phase = _Phase()

    def run_round(seat: _Seat, due: float) -> None:
        started = time.perf_counter()
        times, error = seat.round(seat.steady)
        phase.add(time.perf_counter() - started, times, error)

    elapsed = _on_schedule(seats, run_round, period=period, duration=duration,
                           threads=threads)
    figures = phase.figures()
    figures["elapsed_s"] = round(elapsed, 1)
    return figures


def _class_minutes(url: str, token: str, recorded: list[tuple[str, list, list]], args: dict,
                   out) -> None:
    """The separate client process: the class's first minute on a cold server (every
    seat joins and makes its first round at once, then polls), a steady minute after it,
    and the same burst again on the warm server; two dashboards poll status throughout.
    Puts ("phase", name) when each phase starts (the bench samples the server's CPU),
    then the figures."""
    parts = urlsplit(url)
    stop = threading.Event()
    polls: list[tuple[float, float]] = []
    status_errors: list[str] = []

    def dashboard() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while not stop.wait(args["status_period"]):
            started = time.perf_counter()
            try:
                connection.request("GET", "/class/status",
                                   headers={"Authorization": f"Bearer {token}"})
                response = connection.getresponse()
                body = response.read()
                if response.status != 200 or not json.loads(body).get("seats"):
                    status_errors.append(f"HTTP {response.status}")
            except Exception as exc:  # noqa: BLE001 - count it, keep polling
                status_errors.append(f"{type(exc).__name__}: {exc}")
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port,
                                                        timeout=30)
                continue
            polls.append((started, time.perf_counter() - started))

    seats = [_Seat(i, code, first, steady, args["connections"])
             for i, (code, first, steady) in enumerate(recorded, 1)]
    boards = [threading.Thread(target=dashboard, daemon=True) for _ in range(2)]
    for board in boards:
        board.start()
    marks: dict[str, float] = {}

    def phase(name: str) -> None:
        marks[name] = time.perf_counter()
        out.put(("phase", name))

    cpu = time.process_time()
    phase("stampede")
    figures = {"stampede": _burst(seats, url)}
    phase("first_minute")
    figures["first_minute"] = _scheduled(seats, args["period"], args["duration"],
                                         args["threads"])
    phase("steady")
    figures["steady"] = _scheduled(seats, args["period"], args["duration"], args["threads"])
    phase("warm_burst")
    figures["warm_burst"] = _burst(seats, None)
    phase("end")
    stop.set()
    for board in boards:
        board.join(timeout=35)
    for seat in seats:
        seat.close()
    names = ["stampede", "first_minute", "steady", "warm_burst", "end"]
    for name, following in itertools.pairwise(names):
        if name == "stampede":
            continue
        spans = [s for at, s in polls if marks[name] <= at < marks[following]]
        figures[name]["status_polls"] = len(spans)
        figures[name]["status_ms"] = _spread(spans) if spans else None
    first = [s for at, s in polls if marks["stampede"] <= at < marks["steady"]]
    figures["first_minute"]["status_ms_with_stampede"] = _spread(first) if first else None
    figures["status_errors"] = status_errors[:3]
    figures["client_cpu_s"] = round(time.process_time() - cpu, 1)
    out.put(("figures", figures))


def _signature_cpu_ms(rounds: list[list[dict]], accounts: list[dict]) -> float:
    """CPU of one SigV4 check over the recorded requests (botocore's canonical forms)."""
    from labguide.sim.sigv4 import KeyRecord, SignatureChecker

    secrets = {a["AWS_ACCESS_KEY_ID"]: a["AWS_SECRET_ACCESS_KEY"] for a in accounts}
    checker = SignatureChecker(lambda key: KeyRecord(secrets[key], "0") if key in secrets
                               else None)
    environs = []
    hosts = {a["AWS_ACCESS_KEY_ID"]: urlsplit(a["AWS_ENDPOINT_URL"]).netloc for a in accounts}
    for requests in rounds[:20]:
        for request in requests:
            key = request["headers"].get("Authorization", "").split("Credential=")[-1][:20]
            host = hosts.get(key, "")
            path, _, query = request["path"].partition("?")
            environ = {"REQUEST_METHOD": request["method"], "PATH_INFO": path,
                       "REQUEST_URI": request["path"], "QUERY_STRING": query,
                       "HTTP_HOST": host}
            for name, value in request["headers"].items():
                key = name.upper().replace("-", "_")
                if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                    environ[key] = value
                else:
                    environ["HTTP_" + key] = value
            environs.append((environ, request["body"]))
    started = time.process_time()
    for _ in range(5):
        for environ, body in environs:
            checker.check(environ, body)
    return round((time.process_time() - started) / (5 * len(environs)) * 1000, 3)


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()


def main() -> None:
    from labguide.sim import datacache

    datacache.install()  # this process's botocore models decoded once, as the server's
    # `timeout` (or a kill) stops the class server too: the finally below runs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"{sys.argv[0]}: terminated"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0,
                        help="seconds of the first minute, and of the steady one after it")
    parser.add_argument("--period", type=float, default=5.0)
    parser.add_argument("--solved", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=64, help="client threads polling")
    parser.add_argument("--connections", type=int, default=4,
                        help="kept-alive connections per seat (the app's CheckRunner holds "
                             "4 against a simulator)")
    parser.add_argument("--record-threads", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="class serve --workers W")
    parser.add_argument("--http-server", choices=("waitress", "werkzeug", "cheroot"),
                        default="waitress",
                        help="the simulator's HTTP server for this run (werkzeug, cheroot: "
                             "through bench/http_server/sitecustomize.py, the product is "
                             "unchanged)")
    args = parser.parse_args()
    loaded = load_scenario(SCENARIO)
    folder = Path(tempfile.mkdtemp(prefix="labguide-class-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["LABGUIDE_HOME"] = str(folder / "home")
    if args.http_server != "waitress":
        env["LABGUIDE_BENCH_HTTP_SERVER"] = args.http_server
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [
            str(Path(__file__).resolve().parent / "http_server"), env.get("PYTHONPATH")]))
    load_before = os.getloadavg()
    started = time.perf_counter()
    server, url, codes = _serve(args.seats, folder / "state", env, args.workers)
    try:
        provisioned = time.perf_counter() - started
        _say(f"{args.seats} seats served in {provisioned:.1f} s; recording their rounds")
        accounts = [_account(ClassClient(url, code=code).join(code, f"load {i}"))
                    for i, code in enumerate(codes, 1)]
        solved = int(round(args.solved * len(accounts)))
        # 1. every seat's first round and a later one, recorded with real CheckRunners on
        # this (first) server; a share of the seats solved first
        with ThreadPoolExecutor(args.record_threads) as pool:
            recorded = list(pool.map(lambda pair: _record_seat(loaded, pair[1],
                                                               pair[0] < solved),
                                     enumerate(accounts)))
    finally:
        _stop(server)
    # 2. the class again from its state (same seats, keys, worlds): a cold server, as at
    # the start of a class, whose load comes from a separate process
    _say("recorded; the class restarted from its state, cold")
    started = time.perf_counter()
    server, url, again = _serve(args.seats, folder / "state", env, args.workers)
    try:
        restored = time.perf_counter() - started
        if again != codes:
            raise SystemExit("the restarted class has other join codes")
        rss_ready = _family_rss(server.pid)
        token = (folder / "state" / "instructor.token").read_text().strip()
        # every process's own check rounds: the front's /class/health counts its own only
        state = ClassState(folder / "state")
        processes = [url, *(state.meta(f"worker.{i}.url") for i in range(args.workers)
                            if args.workers > 1)]
        state.close()
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        client = context.Process(target=_class_minutes, name="labguide-class-load", args=(
            url, token, [(code, first, steady) for code, (first, steady)
                         in zip(codes, recorded, strict=True)],
            {"period": args.period, "duration": args.duration, "threads": args.threads,
             "connections": args.connections, "status_period": 2.0}, results))
        client.start()
        cpu: dict[str, float] = {}
        rounds: dict[str, int] = {}
        deadline = time.monotonic() + 2 * args.duration + 900
        while True:
            kind, *rest = results.get(timeout=max(1.0, deadline - time.monotonic()))
            if kind == "figures":
                figures = rest[0]
                break
            name = rest[0]
            cpu[name] = _family_cpu(server.pid)
            rounds[name] = _check_rounds(processes)
            _say(f"phase {name}")
        client.join(timeout=30)
        rss_loaded = _family_rss(server.pid)
        signature_ms = _signature_cpu_ms([s for _, s in recorded], accounts)
    finally:
        _stop(server)
    order = ["stampede", "first_minute", "steady", "warm_burst", "end"]
    steady_requests = sum(len(s) for _, s in recorded) / len(recorded)
    for name, following in itertools.pairwise(order):
        used = cpu[following] - cpu[name]
        checks = rounds[following] - rounds[name]
        served = figures[name]["requests"] + figures[name].get("status_polls", 0) + \
            checks * steady_requests
        figures[name].update(server_cpu_s=round(used, 1), server_check_rounds=checks,
                             server_cpu_ms_per_request=round(used / max(1, served) * 1000, 2))
    steady = figures["steady"]
    log_lines = (folder / "server.log").read_text(errors="replace").splitlines()
    print(json.dumps({
        "seats": args.seats, "workers": args.workers, "http_server": args.http_server,
        "connections_per_seat": args.connections,
        "provisioned_s": round(provisioned, 1), "restored_s": round(restored, 1),
        "server_rss_mb_ready": rss_ready, "server_rss_mb_loaded": rss_loaded,
        "server_rss_mb_per_seat": round(rss_loaded / args.seats, 2),
        "requests_per_round": {"first": round(sum(len(f) for f, _ in recorded)
                                              / len(recorded), 1),
                               "steady": round(steady_requests, 1)},
        "solved_seats": solved,
        **{name: figures[name] for name in order[:-1]},
        "round_ms": steady["round_ms"], "status_ms": steady["status_ms"],
        "server_cpu_ms_per_request": steady["server_cpu_ms_per_request"],
        "sigv4_check_cpu_ms_per_request": signature_ms,
        "server_core_used": round(steady["server_cpu_s"] / steady["elapsed_s"], 2),
        "status_errors": figures["status_errors"], "client_cpu_s": figures["client_cpu_s"],
        "server_log_lines": len(log_lines), "server_log_first": log_lines[:3],
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "budget": {"round_p95_ms": 500, "status_p95_ms": 200,
                   "first_minute": "as fast as the steady one"},
    }, indent=2))


if __name__ == "__main__":
    main()
