"""One worker of a sharded class (`class serve --workers W`): its share of the seats.

One Python process serves about one core. With W workers, seat K lives in worker
(K - 1) mod W, a process of its own with its own SimServer (signatures checked) and
its own server-side checks; every process shares the class's SQLite state (WAL). The
coordinator (`class serve` itself) answers the class API from that state and forwards
what needs a seat's world (checks, solve, reset, answers judged, reads) to the seat's
worker. Each seat's join answer names its worker's endpoint.

    python -m labguide.classroom.worker STATE_DIR INDEX COUNT HOST SCENARIO
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from labguide.classroom.state import iso


def serve_share(state_dir: Path, index: int, count: int, host: str, scenario: str) -> None:
    from labguide.classroom.api import PREFIX, ClassApi
    from labguide.classroom.room import Classroom
    from labguide.classroom.seats import SeatWorlds
    from labguide.classroom.serve import TOKEN_FILE
    from labguide.classroom.state import ClassState
    from labguide.scenario import load_scenario
    from labguide.sim.addresses import advertised_url
    from labguide.sim.heap import built_to_last
    from labguide.sim.server import SimServer

    loaded = load_scenario(scenario)
    state = ClassState(state_dir)
    token = (Path(state_dir) / TOKEN_FILE).read_text(encoding="utf-8").strip()
    server = SimServer(host, 0, check_signatures=True, admin_token=token).start()
    server.public_url = advertised_url(host, server.port)
    worlds = SeatWorlds(state, server, loaded.scenario.world.source,
                        dict(loaded.scenario.world.params), loaded.scenario.region)
    room = Classroom(loaded, state, worlds)
    server.routes[PREFIX] = ClassApi(room, token)
    with built_to_last():
        for record in state.seats():
            if (record.seat - 1) % count != index:
                continue
            world = worlds.restore(record)
            state.update_seat(record.seat, endpoint_url=server.endpoint_url, worker=index,
                              epoch=record.epoch or iso(world.epoch))
    server.start_realtime()
    room.start()
    state.set_meta(f"worker.{index}.url", server.endpoint_url)
    print(f"worker {index}: {len(worlds.seats)} seat(s) at {server.endpoint_url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    room.stop()
    server.stop()
    state.close()


if __name__ == "__main__":
    folder, number, total, bind, scenario_id = sys.argv[1:6]
    serve_share(Path(folder), int(number), int(total), bind, scenario_id)
