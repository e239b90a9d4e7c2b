"""HTTP benchmark: the portal under gunicorn, loaded from Python on this machine.

Builds an instance with N generated subjects (or reuses one with --instance DIR), starts
`gunicorn wsgi:app` on 127.0.0.1 with a few sync workers, and drives it from a bounded number
of client processes for a fixed time per endpoint. Prints requests/s, p50/p99 latency and the workers' CPU time per request for
two trivial endpoints — a static file, and the search page without a query (the ceiling: the
same server, rate limiter and templates as a search, but no index work) — then for name
searches `/search?q=…` with varied realistic names and for subject profiles `/subjects/<code>`.
Target (with --no-cache): search at least half of the ceiling, and each worker ≤ 200 MB resident.

    python bench/web.py [--subjects 100000] [--instance DIR [--reindex]] [--workers 3] [--clients 6] [--seconds 15]
                        [--rounds 3] [--no-cache]

Every request opens a new connection (gunicorn's sync workers do not keep connections alive),
as browsers behind a proxy mostly do. The client shares the machine's cores with the server,
so the figures are a floor for a server with cores of its own. Other work on a shared machine moves
requests/s a lot from run to run; the workers' CPU time per request (user + system, from /proc)
moves much less, and says what a change cost or saved."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from multiprocessing import Pool  # noqa: E402
from urllib.parse import quote  # noqa: E402

from bench.ingest import name_queries, percentile  # noqa: E402
from credit.config import Settings  # noqa: E402
from credit.search import SubjectQuery, open_index  # noqa: E402
from indexer.sample import generate  # noqa: E402

QUERIES = 400
STATIC, CEILING, SEARCH = "/static/site.css", "/search (no query)", "/search?q=…"


def instance_env(folder: Path) -> dict:
    return {"CREDIT_DATABASE_URL": f"sqlite:///{folder / 'credit.sqlite3'}",
            "CREDIT_SEARCH_URL": f"embedded://{folder / 'search.tantivy'}"}


def indexer(folder: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "indexer", "-q", *args], cwd=ROOT, check=True,
                   env={**os.environ, **instance_env(folder)}, stdout=subprocess.DEVNULL)


def build_instance(folder: Path, subjects: int, seed: int, reindex: bool) -> None:
    """Generate the sample and ingest it with the indexer CLI, unless the folder already has it."""
    ready = folder / "READY"   # written last: an interrupted build is built again
    if ready.exists():
        print(f"reusing the instance in {folder}")
        if reindex:
            indexer(folder, "reindex")
        return
    started = time.perf_counter()
    generate(folder / "sample", subjects=subjects, seed=seed, progress=True)
    indexer(folder, "ingest", str(folder / "sample"))
    ready.write_text(f"{subjects} subjects, seed {seed}\n")
    print(f"built an instance of {subjects:,} subjects in {time.perf_counter() - started:.0f}s → {folder}")


def target_paths(folder: Path, seed: int) -> dict[str, list[str]]:
    """URL paths per endpoint: realistic name queries, and the profiles their first hits lead to."""
    queries = name_queries(folder / "sample", QUERIES, seed)
    env = instance_env(folder)
    index = open_index(Settings(database_url=env["CREDIT_DATABASE_URL"], search_url=env["CREDIT_SEARCH_URL"]))
    codes = [hit.doc["code"] for q in queries for hit in index.search_subjects(SubjectQuery(text=q, size=2)).hits]
    index.close()
    return {STATIC: [STATIC],
            CEILING: ["/search"],
            SEARCH: [f"/search?q={quote(q)}" for q in queries],
            "/subjects/<code>": [f"/subjects/{code}" for code in dict.fromkeys(codes)]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(folder: Path, port: int, workers: int, cache: bool) -> subprocess.Popen:
    # A limit no single benchmark client reaches: the limiter still runs on every request.
    env = {**os.environ, **instance_env(folder), "CREDIT_RATELIMIT_ANONYMOUS": "100000000/minute",
           **({} if cache else {"CREDIT_SEARCH_CACHE": "0"})}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                               f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def worker_memory_mb(server: subprocess.Popen) -> list[dict[str, float]]:
    """Memory of each gunicorn worker (the master's children), MB: resident (rss), of it the
    private heap (anon) and mapped files (file: the index's pages, shared with every process that
    reads them), and the proportional share (pss: pages shared with other processes divided among them)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
        rollup = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
        kb = {"rss": status["VmRSS"], "anon": status["RssAnon"], "file": status["RssFile"], "pss": rollup["Pss"]}
        sizes.append({name: int(value.split()[0]) / 1024 for name, value in kb.items()})
    return sizes


def worker_cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU time the gunicorn workers (the master's children) have used so far."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])   # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def get(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    return response.status, time.perf_counter() - started


def client(job: tuple[int, list[str], float, int]) -> tuple[list[float], int]:
    """One client process: requests random paths back to back until its time is up."""
    port, paths, seconds, seed = job
    rng = random.Random(seed)
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        status, elapsed = get(port, rng.choice(paths))
        latencies.append(elapsed)
        errors += status != 200
    return latencies, errors


def measure(pool: Pool, server: subprocess.Popen, port: int, targets: dict[str, list[str]], clients: int,
            seconds: float, rounds: int) -> dict:
    """Every endpoint for `seconds`, in `rounds` turns taken one endpoint after another, so load from
    other work on the machine falls on every endpoint alike and the ratios stay comparable."""
    for paths in targets.values():   # warm up
        pool.map(client, [(port, paths, min(2.0, seconds / 5), n) for n in range(clients)])
    latencies = {name: [] for name in targets}
    elapsed = dict.fromkeys(targets, 0.0)
    errors = dict.fromkeys(targets, 0)
    cpu = dict.fromkeys(targets, 0.0)
    for turn in range(rounds):
        for name, paths in targets.items():
            started, used = time.perf_counter(), worker_cpu_seconds(server)
            results = pool.map(client, [(port, paths, seconds / rounds, turn * clients + n) for n in range(clients)])
            elapsed[name] += time.perf_counter() - started
            cpu[name] += worker_cpu_seconds(server) - used
            latencies[name] += [x * 1000 for lat, _ in results for x in lat]
            errors[name] += sum(e for _, e in results)
    return {name: {"requests": len(lat), "rps": len(lat) / elapsed[name], "p50": statistics.median(lat),
                   "p99": percentile(lat, 0.99), "cpu": cpu[name] / len(lat) * 1000, "errors": errors[name]}
            for name, lat in latencies.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--instance", help="build the instance here, or reuse the one already here")
    parser.add_argument("--reindex", action="store_true",
                        help="rebuild a reused instance's search index from its database (after an engine change)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=6, help="concurrent client processes")
    parser.add_argument("--seconds", type=float, default=15, help="measured time per endpoint")
    parser.add_argument("--rounds", type=int, default=3, help="turns over the endpoints the measured time is split into")
    parser.add_argument("--no-cache", action="store_true", help="the portal's name-search answer cache off")
    args = parser.parse_args()

    folder = Path(args.instance or ROOT / "bench" / "out" / f"http-{args.subjects}-{args.seed}").resolve()
    build_instance(folder, args.subjects, args.seed, args.reindex)
    targets = target_paths(folder, args.seed)
    port = free_port()
    server = start_gunicorn(folder, port, args.workers, cache=not args.no_cache)
    load_before = os.getloadavg()[0]
    try:
        with Pool(args.clients) as pool:
            figures = measure(pool, server, port, targets, args.clients, args.seconds, args.rounds)
        memory = worker_memory_mb(server)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"\n{os.cpu_count()} CPUs, gunicorn {args.workers} sync workers, {args.clients} client processes, "
          f"{args.seconds:g}s per endpoint in {args.rounds} rounds, instance {folder.name}, "
          f"answer cache {'off' if args.no_cache else 'on'}, load average {load_before:.1f} → {os.getloadavg()[0]:.1f}")
    print(f"{'endpoint':<24}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'CPU ms':>8}{'errors':>8}")
    for name, f in figures.items():
        print(f"{name:<24}{f['requests']:>10,}{f['rps']:>10.0f}{f['p50']:>10.1f}{f['p99']:>10.1f}{f['cpu']:>8.2f}"
              f"{f['errors']:>8}")
    search = figures[SEARCH]["rps"]
    print(f"search / ceiling = {search / figures[CEILING]['rps']:.2f} (target ≥ 0.5 with the cache off); "
          f"search / static file = {search / figures[STATIC]['rps']:.2f}; "
          f"workers' CPU per request, ceiling / search = {figures[CEILING]['cpu'] / figures[SEARCH]['cpu']:.2f}")
    print("RSS per worker after the run: " + ", ".join(f"{m['rss']:.0f} MB" for m in memory) + " (target ≤ 200 MB); "
          "of it anonymous / mapped files: " + ", ".join(f"{m['anon']:.0f} / {m['file']:.0f}" for m in memory)
          + "; PSS: " + ", ".join(f"{m['pss']:.0f}" for m in memory))
    return 0 if not any(f["errors"] for f in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
