"""Engine and sessions for CREDIT_DATABASE_URL; the schema is created by Alembic migrations."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


# orjson: records are stored and read as JSON by the million during ingest and publishing.
_JSON = {"json_serializer": lambda obj: orjson.dumps(obj).decode(), "json_deserializer": orjson.loads}


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **_JSON)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **_JSON)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the portal read while the indexer writes.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-262144")  # 256 MB: ingest writes rows and indexes all over the file
    cur.execute("PRAGMA wal_autocheckpoint=16384")  # checkpoint (and sync) every ~64 MB, not every 4 MB
    cur.close()


def migrate(url: str) -> None:
    """Bring the schema up to date (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine_for(url)
    command.upgrade(cfg, "head")


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)
