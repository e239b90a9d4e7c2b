"""gunicorn settings for `gunicorn -c gunicorn.conf.py wsgi:app` (gunicorn also reads this file by
itself when started from this folder). Command-line options and GUNICORN_CMD_ARGS override it."""
import os

# As scripts/demo.sh always did: PORT and WORKERS from the environment. Behind a reverse proxy,
# listen on loopback only.
bind = f"127.0.0.1:{os.environ.get('PORT') or 8000}"
workers = int(os.environ.get("WORKERS") or 3)

# gunicorn 25.1+ opens a control socket for gunicornc at one path per user (~/.gunicorn/gunicorn.ctl):
# a second deployment run by the same user took it over, and the first to stop deleted the other's.
# One per instance folder (CREDIT_INSTANCE_PATH, read as Settings reads it, without the checks that
# stop the app's own start with their message); gunicorn only warns if it cannot open it.
def _instance_path():
    from credit.config import Settings
    return Settings.__dataclass_fields__["instance_path"].default_factory()


control_socket = str(_instance_path() / "gunicorn.ctl")

# When an access log is turned on (--access-logfile): the path without its query string and no
# referrer, which holds the page before's. What the public types in the search box (an ID or phone
# number, a person's name) and the login callback's code stay out of the log; the paths themselves
# hold only public codes and random ids.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'

# Above the portal's own limits (portal/errors.py: 4 KB of URL, 64 headers, 8 KB of headers), so an
# over-long request reaches the portal and is refused in its words, as a page or, under /api/, as
# JSON. Only what is longer still gets gunicorn's plain page: 8190 is the longest request line
# gunicorn reads, and a request head of 128 fields of 16 KB is as much as it will buffer.
limit_request_line = 8190
limit_request_fields = 128
limit_request_field_size = 16384

# The app is loaded once in the master and the workers are forked from it, so the analyzers'
# dictionaries (jieba's ~350,000 words, OpenCC) and the imported modules sit in pages the workers
# share until one writes to them. The app opens the search index and the database on its first
# request, in the worker: no reader, connection or engine thread crosses the fork.
preload_app = True


def pre_fork(server, worker):
    # Objects made before the fork are left out of the workers' garbage collections, which would
    # otherwise write to (and so copy) every page holding one.
    import gc

    gc.collect()
    gc.freeze()


def when_ready(server):
    """Say so when the quotas cannot hold: with memory:// rate-limit storage (the default) every worker
    keeps its own counters, so each worker grants the whole anonymous budget and every institution's
    quota again (README: CREDIT_RATELIMIT_STORAGE_URL). One worker, or redis://…, keeps them exact."""
    from credit.config import Settings

    storage = Settings().ratelimit_storage_url
    if server.cfg.workers > 1 and storage.startswith("memory://"):
        server.log.warning("%d workers with CREDIT_RATELIMIT_STORAGE_URL=%s: rate limits and institution quotas are "
                           "counted per worker, so a client may get up to %d times its quota; set "
                           "CREDIT_RATELIMIT_STORAGE_URL=redis://… (or WORKERS=1)",
                           server.cfg.workers, storage, server.cfg.workers)


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set (README: /metrics), forget an exited worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
