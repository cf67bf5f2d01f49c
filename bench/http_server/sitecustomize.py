"""For bench/class_load.py --http-server werkzeug only: serve the simulator with werkzeug's
threaded development server (one thread per connection) instead of waitress, in every
process of a class (coordinator and workers), to compare the two on the same load.

The bench puts this folder first on PYTHONPATH with LABGUIDE_BENCH_HTTP_SERVER=werkzeug;
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
