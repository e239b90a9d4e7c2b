"""Worker processes for CPU-bound work: an executor, an ordered map with a bounded window, and the
hygiene of a forked worker (it dies with its parent, ignores Ctrl-C, drops the parent's caches).

It knows nothing of what the work is. With one worker everything runs in the calling process."""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Callable, Iterable, Iterator

PR_SET_PDEATHSIG = 1   # linux/prctl.h

class _InProcess(Executor):
    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def _fresh_process(parent: int, on_start: Callable[[], None] | None) -> None:
    _die_with(parent)
    # Ctrl-C reaches the whole process group: the parent stops the run and the pool, while a worker
    # stopping on its own would only break the pool and print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if on_start:
        on_start()


def _die_with(parent: int) -> None:
    """End this worker when the parent ends, however it ends (kill -9 included): a worker left
    behind would go on writing to the index. The kernel sees to it on Linux; elsewhere, or should
    that fail, a thread watching for the parent to change does, within a second."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except (OSError, AttributeError):   # no prctl: not Linux
        pass
    if os.getppid() != parent:   # the parent died before the signal was asked for
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()


def _watch_parent(parent: int, every: float = 1.0) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


def executor(workers: int, on_start: Callable[[], None] | None = None) -> Executor:
    """A pool of `workers` forked processes (the calling process itself for one); each runs
    `on_start` first, e.g. to drop the connections it inherited from its parent."""
    if workers <= 1:
        return _InProcess()
    # fork: workers start with jieba's dictionary already loaded by the parent.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_fresh_process,
                               initargs=(os.getpid(), on_start))


def ordered_map(pool: Executor, fn: Callable, items: Iterable, window: int = 8) -> Iterator:
    """Like pool.map, but keeps at most `window` tasks in flight, so a million-row file is never
    held in memory at once."""
    pending: deque[Future] = deque()
    for item in items:
        pending.append(pool.submit(fn, *item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
