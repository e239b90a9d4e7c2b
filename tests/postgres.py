"""A throwaway PostgreSQL server for the test session (Debian's packages), or the one named by
CREDIT_TEST_POSTGRES_URL. Tests that need it skip when neither is available."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import free_port, listening, wait_until


def _as_server_user(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: run its programs as the postgres account then.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_server():
    """Yields a SQLAlchemy URL of a fresh server, or None when no PostgreSQL is installed."""
    if os.environ.get("CREDIT_TEST_POSTGRES_URL"):
        yield os.environ["CREDIT_TEST_POSTGRES_URL"]
        return
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        yield None
        return
    bin_dir = Path(found[-1]).parent
    # Not under pytest's temporary folders: those are private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="credit-postgres-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                    "-E", "UTF8", "--no-locale"]), check=True, capture_output=True)
    port = free_port()
    subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
                                    "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
                                    "start"]), check=True, capture_output=True)
    try:
        wait_until(lambda: listening(port), 30, every=0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
