"""Engine and sessions for CREDIT_DATABASE_URL; the schema is created by Alembic migrations."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import orjson
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


# orjson: records are stored and read as JSON by the million during ingest and publishing.
# hide_parameters: a failed statement's message (logged with its traceback) names the statement but
# not the values it was sent, which are ID numbers, names and query-log entries.
_JSON = {"json_serializer": lambda obj: orjson.dumps(obj).decode(), "json_deserializer": orjson.loads,
         "hide_parameters": True}


# SQLite's page cache per connection, in KiB. The ingest writes rows and indexes all over the file
# and keeps a large one; every other connection (the portal's workers, each with its own pool) a
# small one, so a worker does not grow by up to 256 MB reading records and sessions.
CACHE_KIB, BULK_CACHE_KIB = 16_384, 262_144


@lru_cache(maxsize=8)
def engine_for(url: str, bulk: bool = False) -> Engine:
    """The engine of a database; `bulk` for the ingest's writes (a large SQLite page cache)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **_JSON)
        cache_kib = BULK_CACHE_KIB if bulk else CACHE_KIB
        event.listen(engine, "connect", lambda dbapi_conn, _record: _sqlite_pragmas(dbapi_conn, cache_kib))
        return engine
    return create_engine(url, pool_pre_ping=True, **_JSON)


def _sqlite_pragmas(dbapi_conn, cache_kib: int) -> None:
    # WAL lets the portal read while the indexer writes.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    cur.execute("PRAGMA wal_autocheckpoint=16384")  # checkpoint (and sync) every ~64 MB, not every 4 MB
    cur.close()


def migrate(url: str) -> None:
    """Bring the schema up to date (idempotent)."""
    # Imported here: only the indexer and the tests migrate, and alembic (with mako) is ~11 MB that
    # every portal worker would otherwise hold.
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine_for(url)
    command.upgrade(cfg, "head")


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)
