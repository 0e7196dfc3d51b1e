"""Running the web app under uvicorn: one process, or several sharing the port, stopping promptly.

Why several processes: a search is part Python (query planning, highlights, the JSON answer), and one
process runs Python on one core at a time. So ``serve`` starts one server process per core (at most
four) on one listening socket (uvicorn's own supervisor), or as many as ``ARSHIF_WORKERS`` /
``serve --workers`` say; each opens the archive itself, read-only, as every server process does.
(Measured on 2 cores, bench/bench_api.py at concurrency 8: 47.0 req/s with one process, 53.9 with two; without
facets, histogram and highlights 156 and 223.)

Why a server subclass: on SIGTERM the searches still running are interrupted at once (they answer
503) and connections still open after 3 s are dropped, so ``serve`` is gone within 5 s.
"""

from __future__ import annotations

import os
import socket

import uvicorn
import uvicorn.supervisors.multiprocess

from arshif.settings import Settings

#: The app of this process, once built (the signal handler interrupts its engine's searches).
_app = None


def app_from_environment():
    """uvicorn's app factory in each worker process: settings from the environment ``serve`` prepared."""
    from cli.compose import web_app

    global _app
    _app = web_app(Settings())
    return _app


class StoppingServer(uvicorn.Server):
    """Stops promptly on SIGTERM/SIGINT: running searches are interrupted at once (they answer 503)."""

    def handle_exit(self, sig, frame):
        service = getattr(getattr(_app, "state", None), "service", None)
        engine = getattr(service, "engine", None)
        if engine is not None and hasattr(engine, "interrupt"):
            engine.interrupt()
        super().handle_exit(sig, frame)


class _Process(uvicorn.supervisors.multiprocess.Process):
    """A worker process of the supervisor that runs a StoppingServer (uvicorn's would run a plain one)."""

    @property
    def server(self):
        if self._server is None:
            self._server = StoppingServer(self.config)
        return self._server


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the app on ``host:port`` with ``settings.server_processes`` processes."""
    global _app
    common = dict(host=host, port=port, log_level="info", timeout_graceful_shutdown=3)
    processes = settings.server_processes
    if processes <= 1:
        from cli.compose import web_app

        _app = web_app(settings)
        StoppingServer(uvicorn.Config(_app, **common)).run()
        return
    # The workers are new processes: they rebuild the same settings from the environment.
    os.environ["ARSHIF_DATA_DIR"] = str(settings.data_dir)
    os.environ["ARSHIF_ENGINE"] = settings.engine
    # A worker busy building its app (lexicon, engine) on a loaded machine must not be taken for hung.
    config = uvicorn.Config("cli.serving:app_from_environment", factory=True, workers=processes,
                            timeout_worker_healthcheck=60, **common)
    _Supervisor(config, sockets=[listening_socket(config)]).run()


def listening_socket(config: uvicorn.Config) -> socket.socket:
    """The socket the server processes share, with Nagle's algorithm off for the connections it accepts.

    uvicorn makes it with protocol 0, so asyncio does not recognise its connections as TCP and leaves Nagle on:
    every answer then waited ~40 ms for the client's delayed ACK (/api/health took 44 ms with two processes,
    0.9 ms with one). Connections accepted from it inherit TCP_NODELAY (Linux)."""
    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _Supervisor(uvicorn.supervisors.Multiprocess):
    """uvicorn's supervisor, starting workers that run a StoppingServer."""

    def init_processes(self) -> None:
        for _ in range(self.processes_num):
            process = _Process(self.config, self.sockets)
            process.start()
            self.processes.append(process)
