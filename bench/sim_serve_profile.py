"""Where a `sim serve` request's CPU goes: cProfile of the server side of check rounds.

Builds N accounts of compromised-iam-credentials on an in-process SimServer, solves
half of them, then runs ROUNDS check rounds (real CheckRunner, round-robin over the
accounts). Every request the server answers is profiled (one request at a time, under
a lock, so one cProfile.Profile sees only server work); prints the top functions by
cumulative and by own time.

    python bench/sim_serve_profile.py [--accounts 40] [--rounds 200] [--top 40]
                                      [--only OPERATION] [--connections]

--connections profiles each connection thread whole on its own CPU clock (werkzeug's
request parsing and response writing included; requests are then not serialised).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from labguide.actions import apply
from labguide.checks import CheckRunner
from labguide.checks.facts import discover, iso
from labguide.scenario import load_scenario
from labguide.sim.embedded import operation_name
from labguide.sim.server import SimServer, _read_body
from labguide.target import Target

SCENARIO = "compromised-iam-credentials"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--only", help="profile only this operation (e.g. DescribeInstances)")
    parser.add_argument("--callers", action="append", default=[], metavar="PATTERN",
                        help="also print who calls the functions matching PATTERN")
    parser.add_argument("--signatures", action="store_true",
                        help="check SigV4 signatures, as sim serve and class serve do")
    parser.add_argument("--connections", action="store_true",
                        help="profile the server's connection threads whole (werkzeug's "
                             "HTTP parsing and writing included), on their own CPU clock")
    args = parser.parse_args()
    loaded = load_scenario(SCENARIO)
    scenario = loaded.scenario
    server = SimServer(check_signatures=args.signatures).start()
    try:
        started = time.perf_counter()
        worlds = [server.add_world(scenario.world.name, dict(scenario.world.params),
                                   region=scenario.region, seed=i) for i in range(args.accounts)]
        print(f"provisioned {args.accounts} accounts in {time.perf_counter() - started:.1f} s")
        targets = [Target.for_simulator(server.endpoint_url, w.learner, scenario.region,
                                        clock=w.clock.now) for w in worlds]
        def solve(target):  # its EC2 waits are on the world clock: solves run side by side
            for step in scenario.steps:
                facts = discover(target, scenario.facts).values()
                apply(step, facts, target, now=iso(target.now()))

        with ThreadPoolExecutor(len(targets) // 2 or 1) as pool:
            list(pool.map(solve, targets[: len(targets) // 2]))
        runners = [CheckRunner(loaded, t, max_workers=4) for t in targets]
        for runner in runners:
            runner.run_round()
        profile = cProfile.Profile()
        lock = threading.Lock()
        wsgi = server.wsgi_app  # labguide's WSGI entry: every request passes its _serve
        app = wsgi._serve
        requests = [0]
        profiled_any = [False]

        per_operation: dict[str, list[float]] = {}

        def profiled(environ, start_response):
            body = _read_body(environ)
            name = operation_name(environ, body) or "?"
            with lock:
                requests[0] += 1
                cpu = time.thread_time()
                enabled = args.only in (None, name) and not args.connections
                if enabled:
                    profiled_any[0] = True
                    profile.enable()
                try:
                    return list(app(environ, start_response))
                finally:
                    if enabled:  # (disabling would also end a connection thread's profile)
                        profile.disable()
                    row = per_operation.setdefault(name, [0, 0.0])
                    row[0] += 1
                    row[1] += time.thread_time() - cpu

        wsgi._serve = profiled
        handler_class = getattr(server._server, "RequestHandlerClass", None)
        handle_one = getattr(handler_class, "handle_one_request", None)
        thread_profiles: list[cProfile.Profile] = []
        finished: list[cProfile.Profile] = []
        connection = threading.local()  # a connection thread's profile

        def handle_one_profiled(self):
            """One request of a kept-alive connection (read, parse, answer), profiled on
            the thread's CPU clock from the first request served while measuring to the
            connection's end (the server's stop() ends every connection)."""
            connection_profile = getattr(connection, "profile", None)
            if connection_profile is None:
                connection_profile = connection.profile = cProfile.Profile(time.thread_time)
                with lock:
                    thread_profiles.append(connection_profile)
                connection_profile.enable()
            try:
                return handle_one(self)
            finally:
                if connection_profile is not None and self.close_connection:
                    connection_profile.disable()
                    connection.profile = None
                    with lock:
                        finished.append(connection_profile)

        if args.connections:
            handler_class.handle_one_request = handle_one_profiled
        gc_spent = [0.0, 0]  # seconds in garbage collection, collections (every generation)
        gc_began: list[float] = []

        def gc_timer(phase, info):
            if phase == "start":
                gc_began.append(time.perf_counter())
            elif gc_began:
                gc_spent[0] += time.perf_counter() - gc_began.pop()
                gc_spent[1] += 1

        gc.callbacks.append(gc_timer)
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: runners[i % len(runners)].run_round(), range(args.rounds)))
        elapsed = time.perf_counter() - started
        gc.callbacks.remove(gc_timer)
        print(f"garbage collection: {gc_spent[1]} collections, {gc_spent[0]:.2f} s of "
              f"{elapsed:.1f} s (client and server threads)")
        wsgi._serve = app
        for runner in runners:
            runner.close()
    finally:
        server.stop()
    print(f"{'operation':<28} {'calls':>6} {'ms/call':>8} {'share':>6}  (profiled CPU)")
    spent = sum(row[1] for row in per_operation.values())
    for name, (calls, cpu) in sorted(per_operation.items(), key=lambda kv: -kv[1][1]):
        print(f"{name:<28} {calls:>6} {cpu / calls * 1000:>8.2f} {cpu / spent:>6.0%}")
    out = io.StringIO()
    if args.connections:  # stop() ended the connections; their threads finish their profiles
        deadline = time.monotonic() + 5
        while len(finished) < len(thread_profiles) and time.monotonic() < deadline:
            time.sleep(0.05)
        sources = list(finished)
    else:
        sources = [profile] if profiled_any[0] else []
    print(f"{requests[0]} requests; server CPU {spent / max(1, requests[0]) * 1000:.3f} "
          f"ms/request inside the WSGI app ({'profiled' if profiled_any[0] else 'unprofiled'})")
    if not sources:
        raise SystemExit(f"nothing was profiled (no {args.only} request?)")
    stats = pstats.Stats(*sources, stream=out)
    total = sum(row[2] for row in stats.stats.values())  # own time over every function
    print(f"{requests[0]} requests in {elapsed:.1f} s; profiled server time "
          f"{total / requests[0] * 1000:.2f} ms/request (profiler overhead included)")
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    for pattern in args.callers:
        stats.print_callers(pattern)
    print(out.getvalue())


if __name__ == "__main__":
    main()
