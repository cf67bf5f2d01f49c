"""For bench/class_load.py --http-server werkzeug|cheroot only: serve the simulator with
werkzeug's threaded development server (one thread per connection) or cheroot (a thread
pool, idle kept-alive connections in an epoll selector) instead of waitress, in every
process of a class (coordinator and workers), to compare them on the same load. cheroot
must be installed by hand (`pip install cheroot`): the product does not depend on it.

The bench puts this folder first on PYTHONPATH with LABGUIDE_BENCH_HTTP_SERVER=NAME;
Python imports `sitecustomize` at start-up. The product never sees it.
"""

from __future__ import annotations

import os
import threading

if os.environ.get("LABGUIDE_BENCH_HTTP_SERVER") == "werkzeug":
    from werkzeug.serving import WSGIRequestHandler, make_server

    import labguide.sim.server as sim_server

    class _QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # one line per request would be the bench
            pass

    def start(self):
        if self._server is not None:
            return self
        sim_server.skip_default_amis()
        sim_server.install_extensions()
        if self.signature_checker is not None:
            os.environ["MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS"] = "false"
        self.wsgi_app = sim_server._Application(self)
        self._server = make_server(self.host, self.port, self.wsgi_app, threaded=True,
                                   request_handler=_QuietHandler)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name=f"labguide-sim-werkzeug-{self.port}")
        self._thread.start()
        return self

    def close(server):
        server.shutdown()
        server.server_close()

    sim_server.SimServer.start = start
    sim_server.SimServer._close_server = staticmethod(close)
    sim_server.SimServer.connections = property(lambda self: 0)


if os.environ.get("LABGUIDE_BENCH_HTTP_SERVER") == "cheroot":
    from cheroot import wsgi

    import labguide.sim.server as sim_server

    def start_cheroot(self):
        if self._server is not None:
            return self
        sim_server.skip_default_amis()
        sim_server.install_extensions()
        if self.signature_checker is not None:
            os.environ["MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS"] = "false"
        self.wsgi_app = sim_server._Application(self)
        self._server = wsgi.Server((self.host, self.port), self.wsgi_app,
                                   numthreads=self.threads,
                                   timeout=sim_server.KEEP_ALIVE_IDLE_SECONDS,
                                   server_name="labguide-sim",
                                   request_queue_size=1024)  # the listen backlog: 5 by default
        self._server.prepare()  # binds: the OS-chosen port is known after it
        self.port = self._server.bind_addr[1]
        self._thread = threading.Thread(target=self._server.serve, daemon=True,
                                        name=f"labguide-sim-cheroot-{self.port}")
        self._thread.start()
        return self

    sim_server.SimServer.start = start_cheroot
    sim_server.SimServer._close_server = staticmethod(lambda server: server.stop())
    sim_server.SimServer.connections = property(lambda self: 0)
