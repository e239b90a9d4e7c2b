"""Helpers the tests share for servers they start: a free port, waiting until something is up."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

import requests
from werkzeug.serving import make_server

# The smallest files that pass for their type: attachments to objections and repair applications.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)

def free_port() -> int:
    """A port nobody listens on now (the OS picks it; a server started next may take it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float, every: float = 0.1) -> bool:
    """Whether `predicate` came true within `timeout` seconds, asked every `every` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def answers(url: str, timeout: float = 1) -> bool:
    """Whether an HTTP server answers `url` with a success."""
    try:
        return requests.get(url, timeout=timeout).ok
    except requests.RequestException:   # not listening (yet), or too slow
        return False


def listening(port: int) -> bool:
    """Whether something accepts connections on this local port."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def serving(app) -> Iterator[str]:
    """The WSGI app served from a thread of this process; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def wait_until_up(url: str, timeout: float = 30) -> bool:
    """Whether the server at `url` answered with a success within `timeout` seconds."""
    return wait_until(lambda: answers(url), timeout, every=0.2)
