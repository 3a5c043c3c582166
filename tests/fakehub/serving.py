"""A local HTTP test server on 127.0.0.1 (the OS picks the port) in a daemon thread: the plumbing
shared by the fake Hub (fakehub/server.py) and the fake GitHub API (fakegithub/server.py)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RoutedHandler(BaseHTTPRequestHandler):
    """HTTP/1.1, quiet, HEAD answered like GET (without a body), ``_route()`` does the work; a client
    hanging up mid-answer is not an error."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _route(self) -> None:
        raise NotImplementedError


class LocalServer:
    """Subclasses name their handler in ``handler_class``; each request's handler sees the server's
    state as ``self.fake``."""

    handler_class: type[RoutedHandler]
    _server: ThreadingHTTPServer | None = None

    def handler(self) -> type[RoutedHandler]:
        return type("Handler", (self.handler_class,), {"fake": self})

    @property
    def endpoint(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self._server.daemon_threads = True
        self._server.request_queue_size = 64
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
