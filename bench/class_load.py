"""`labguide class serve` under a class's load, as DESIGN.md's budget says.

Budget: one `class serve` on 2 cores, 200 seats each polled by its app (a full check
round every 5 s), the server's own checks, two dashboards polling status every 2 s,
signatures checked: round p95 under 500 ms, status p95 under 200 ms.

Starts `labguide class serve compromised-iam-credentials --seats N` (a subprocess), joins
every seat through the class API, then:

1. the stampede: every seat's FIRST check round at once (real CheckRunners on
   `--stampede-threads` threads of this process, signed with the seat's keys, the
   server cold), each round timed: the first minute of a class;
2. records one more real round per seat (botocore before-send: the signed requests as
   sent) and replays them from a separate process on schedule (sim_serve_load's replay
   client), while two dashboard threads in that process GET /class/status every 2 s;
3. prints round and status latency, server CPU per request (the server's own check
   rounds counted from /class/health), the server's resident memory per seat, and
   the CPU one SigV4 check costs (botocore's canonical request over the recorded
   requests, in this process): the difference signature checking makes.

    python bench/class_load.py [--seats 200] [--duration 60] [--period 5] [--solved 0.5]
                               [--workers W] [--http-server waitress|werkzeug]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import queue
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
    _cpu_seconds,
    _replay,
    _rss_mb,
    _spread,
    record_account,
)

from labguide.checks import CheckRunner  # noqa: E402
from labguide.classroom.client import ClassClient  # noqa: E402
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


def _first_round(runner: CheckRunner) -> float:
    """A seat's first check round on the (cold) server, timed."""
    started = time.perf_counter()
    runner.run_round()
    return time.perf_counter() - started


def _load(host: str, port: int, token: str, rounds: list, args: dict, out) -> None:
    """The separate client process: replayed rounds (each seat's to its own worker's
    endpoint, `rounds` being [(host, port, seat rounds)]) plus two dashboards."""
    replayed: queue.Queue = queue.Queue()
    stop = threading.Event()
    status_s: list[float] = []
    status_errors: list[str] = []

    def dashboard() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
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
                connection = http.client.HTTPConnection(host, port, timeout=30)
                continue
            status_s.append(time.perf_counter() - started)

    boards = [threading.Thread(target=dashboard, daemon=True) for _ in range(2)]
    for board in boards:
        board.start()
    shares = [threading.Thread(target=_replay, args=(h, p, share, dict(
        args, threads=max(1, args["threads"] * len(share) // sum(len(r) for *_, r in rounds))),
        replayed)) for h, p, share in rounds]
    for share in shares:
        share.start()
    for share in shares:
        share.join()
    stop.set()
    for board in boards:
        board.join(timeout=35)
    figures: dict = {}
    for _ in shares:
        part = replayed.get()
        for key, value in part.items():
            if isinstance(value, list):
                figures.setdefault(key, []).extend(value)
            elif key == "elapsed":
                figures[key] = max(figures.get(key, 0.0), value)
            else:
                figures[key] = figures.get(key, 0) + value
    figures.update(status_s=status_s, status_errors=status_errors)
    out.put(figures)


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


def main() -> None:
    from labguide.sim import datacache

    datacache.install()  # this process's botocore models decoded once, as the server's
    # `timeout` (or a kill) stops the class server too: the finally below runs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"{sys.argv[0]}: terminated"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--period", type=float, default=5.0)
    parser.add_argument("--solved", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=32, help="replay client threads")
    parser.add_argument("--stampede-threads", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="class serve --workers W")
    parser.add_argument("--http-server", choices=("waitress", "werkzeug"), default="waitress",
                        help="the simulator's HTTP server for this run (werkzeug: through "
                             "bench/http_server/sitecustomize.py, the product is unchanged)")
    args = parser.parse_args()
    loaded = load_scenario(SCENARIO)
    folder = Path(tempfile.mkdtemp(prefix="labguide-class-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["LABGUIDE_HOME"] = str(folder / "home")
    if args.http_server == "werkzeug":
        env["LABGUIDE_BENCH_HTTP_SERVER"] = "werkzeug"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [
            str(Path(__file__).resolve().parent / "http_server"), env.get("PYTHONPATH")]))
    load_before = os.getloadavg()
    started = time.perf_counter()
    server, url, codes = _serve(args.seats, folder / "state", env, args.workers)
    try:
        provisioned = time.perf_counter() - started
        _say(f"{args.seats} seats served in {provisioned:.1f} s")
        rss_ready = _family_rss(server.pid)
        token = (folder / "state" / "instructor.token").read_text().strip()
        accounts = [_account(ClassClient(url, code=code).join(code, f"load {i}"))
                    for i, code in enumerate(codes, 1)]
        _say("joined; the stampede")
        # 1. the stampede: every seat's first round together, the server cold
        with ThreadPoolExecutor(8) as pool:
            runners = list(pool.map(lambda a: _runner(loaded, a), accounts))
        stampede_cpu = _family_cpu(server.pid)
        stampede_started = time.perf_counter()
        with ThreadPoolExecutor(args.stampede_threads) as pool:
            first = list(pool.map(_first_round, runners))
        stampede_s = time.perf_counter() - stampede_started
        stampede_cpu = _family_cpu(server.pid) - stampede_cpu
        with ThreadPoolExecutor(args.stampede_threads) as pool:  # the same, warm
            second = list(pool.map(_first_round, runners))
        _say(f"stampede {stampede_s:.1f} s; recording a round per seat")
        # 2. record one round per seat (a share solved first), replay on schedule; with the
        # stampede's runners (their boto3 clients made: making 1,600 anew took minutes)
        solved = int(round(args.solved * len(accounts)))

        setup_failures: list[str] = []

        def record(indexed):
            index, account = indexed
            try:
                return account, record_account(loaded, account, solve=index < solved,
                                               runner_workers=4, runner=runners[index])
            except Exception as exc:  # noqa: BLE001 - an overloaded machine: count, go on
                setup_failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                return None

        # as many threads as the stampede's: a solve waits for EC2 states on the world
        # clock (stopped, running), so on 8 threads the solves queued for minutes
        with ThreadPoolExecutor(args.stampede_threads) as pool:
            pairs = [r for r in pool.map(record, enumerate(accounts)) if r is not None]
        for runner in runners:
            runner.close(wait=False)
        runners.clear()
        recorded_accounts = [a for a, _ in pairs]
        recorded = [r for _, r in pairs]
        rounds = [r for r, _, _ in recorded]
        by_endpoint: dict[str, list] = {}
        for account, (seat_round, _, _) in zip(recorded_accounts, recorded, strict=True):
            by_endpoint.setdefault(account["AWS_ENDPOINT_URL"], []).append(seat_round)
        shares = [(urlsplit(e).hostname, urlsplit(e).port, r) for e, r in by_endpoint.items()]
        # every process's own check rounds: the front's /class/health counts its own only,
        # and with --workers the seats' checks run in the worker processes
        processes = sorted({url, *by_endpoint})
        health = _check_rounds(processes)
        parts = urlsplit(url)
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        client = context.Process(target=_load, name="labguide-class-load", args=(
            parts.hostname, parts.port, token, shares,
            {"period": args.period, "duration": args.duration, "threads": args.threads,
             "status_period": 2.0}, results))
        server_cpu = _family_cpu(server.pid)
        _say(f"recorded {len(rounds)} rounds; replaying for {args.duration:.0f} s")
        client.start()
        figures = results.get(timeout=args.duration + 300)
        client.join(timeout=30)
        server_cpu = _family_cpu(server.pid) - server_cpu
        after = _check_rounds(processes)
        rss_loaded = _family_rss(server.pid)
        check_rounds = after - health
        requests_per_round = sum(map(len, rounds)) / len(rounds)
        served = figures["requests"] + len(figures["status_s"]) + \
            check_rounds * requests_per_round
        signature_ms = _signature_cpu_ms(rounds, accounts)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    log_lines = (folder / "server.log").read_text(errors="replace").splitlines()
    print(json.dumps({
        "seats": args.seats, "workers": args.workers, "http_server": args.http_server,
        "provisioned_s": round(provisioned, 1),
        "server_rss_mb_ready": rss_ready, "server_rss_mb_loaded": rss_loaded,
        "server_rss_mb_per_seat": round(rss_loaded / args.seats, 2),
        "stampede": {"seats": len(first), "threads": args.stampede_threads,
                     "all_first_rounds_s": round(stampede_s, 1),
                     "first_round_ms": _spread(first),
                     "second_round_ms_same_threads": _spread(second),
                     "server_cpu_s": round(stampede_cpu, 1)},
        "requests_per_round": round(requests_per_round, 1), "solved_seats": solved,
        "seats_not_recorded": len(setup_failures),
        "first_setup_failure": setup_failures[0] if setup_failures else None,
        "rounds": len(figures["round_s"]), "requests": figures["requests"],
        "rounds_with_errors": len(figures["errors"]),
        "first_error": figures["errors"][0] if figures["errors"] else None,
        "round_ms": _spread(figures["round_s"]),
        "request_ms": _spread(figures["request_s"]),
        "status_polls": len(figures["status_s"]), "status_errors": figures["status_errors"][:3],
        "status_ms": _spread(figures["status_s"]) if figures["status_s"] else None,
        "server_check_rounds": check_rounds,
        "server_log_lines": len(log_lines), "server_log_first": log_lines[:3],
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_ms_per_request": round(server_cpu / max(1, served) * 1000, 2),
        "sigv4_check_cpu_ms_per_request": signature_ms,
        "client_cpu_s": round(figures["client_cpu"], 1),
        "server_core_used": round(server_cpu / figures["elapsed"], 2),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "budget": {"round_p95_ms": 500, "status_p95_ms": 200},
    }, indent=2))


if __name__ == "__main__":
    main()
