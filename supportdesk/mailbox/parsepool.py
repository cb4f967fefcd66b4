"""Parsing mail in helper processes while the ingesting process does the database work.

The ``email`` parser costs about a millisecond per mail, as much as storing it; on two cores a
batch is parsed in worker processes (``SUPPORTDESK_MAIL_PARSE_WORKERS``, default 2) while the
main process decides and writes the previous one. Small batches (a mail or two from IDLE) are
parsed in-process: the round trip would cost more than it saves. When the pool breaks, parsing
falls back to the calling process: a worker problem never loses or delays a mail for good.

A parse outcome is a :class:`~supportdesk.mailbox.parsing.ParsedMail`, or a string
``"ExceptionType: message"`` saying why the mail cannot be read (→ quarantine).

The pool's processes end with the process that owns it, however it dies (SIGKILL, the OOM
killer): see :func:`_exit_with_owner`.
"""

import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from supportdesk.mailbox import conf, parsing

logger = logging.getLogger(__name__)

POOL_MIN_MAILS = 16
"""Fewer mails than this are parsed in-process."""
CHUNK_MAILS = 25
"""Mails per task sent to a worker."""

Outcome = parsing.ParsedMail | str

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def parse_outcome(raw: bytes) -> Outcome:
    try:
        return parsing.parse(raw)
    except Exception as exc:  # whatever the parser trips over must only quarantine this one mail
        return f"{type(exc).__name__}: {exc}"[:2000]


def _parse_chunk(raws: Sequence[bytes]) -> list[Outcome]:
    return [parse_outcome(raw) for raw in raws]


def _exit_with_owner() -> None:
    """Pool initializer: end this worker as soon as the process that owns the pool is gone.

    Nothing else would (https://github.com/python/cpython/issues/111873): a worker waits for
    work on its call queue, whose pipe it received with both ends, so it never reads EOF; the
    forkserver, its parent, waits for EOF on its "alive" pipe, but every worker holds a copy of
    that pipe's write end; the resource tracker likewise. SIGKILL the owner and all of them wait
    for each other for good. ``PR_SET_PDEATHSIG`` would not help: the workers' parent is the
    forkserver, which is the one waiting for them.

    multiprocessing gives each child a sentinel of the process that started it: the read end of
    a pipe whose only write end the owner holds, so it reads EOF once the owner is gone, whatever
    killed it. A daemon thread waits for that and exits the worker; the last worker gone
    closes the forkserver's and the resource tracker's pipes, and they exit too.
    """
    owner = multiprocessing.parent_process()
    if owner is None:  # not started by multiprocessing (a direct call): nothing owns us
        return
    threading.Thread(target=_wait_for_owner, args=(owner,), name="parse-pool-owner", daemon=True).start()


def _wait_for_owner(owner: multiprocessing.process.BaseProcess) -> None:
    owner.join()  # returns when the owner's end of the sentinel pipe is closed: it exited
    # No clean-up: nobody is left to receive a result, and the main thread may hold the call
    # queue's lock while it waits for work.
    os._exit(0)


def _get_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            # forkserver: workers never inherit database connections or the listener's threads.
            _pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_exit_with_owner,
            )
            _pool_size = workers
        return _pool


def _drop_pool(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


class ParseJob:
    """The parse outcomes of some raw mails, computed in the pool or (lazily) in-process."""

    def __init__(self, raws: Sequence[bytes | None]) -> None:
        self._raws = list(raws)
        self._futures: list[tuple[list[int], Future[list[Outcome]]]] = []
        self._pool: ProcessPoolExecutor | None = None
        todo = [(i, raw) for i, raw in enumerate(self._raws) if raw is not None]
        workers = conf.parse_workers()
        if workers <= 0 or len(todo) < POOL_MIN_MAILS:
            return
        try:
            self._pool = _get_pool(workers)
            for start in range(0, len(todo), CHUNK_MAILS):
                pairs = todo[start : start + CHUNK_MAILS]
                indexes = [i for i, _raw in pairs]
                chunk = [raw for _i, raw in pairs]
                self._futures.append((indexes, self._pool.submit(_parse_chunk, chunk)))
        except Exception:
            logger.warning("mail parse pool unavailable; parsing in-process", exc_info=True)
            for _indexes, future in self._futures:
                future.cancel()
            self._futures = []
            if self._pool is not None:
                _drop_pool(self._pool)  # a broken pool is made anew for the next batch
                self._pool = None

    def results(self) -> list[Outcome | None]:
        """One outcome per raw mail given (None where it was None), in order."""
        out: list[Outcome | None] = [None] * len(self._raws)
        done: set[int] = set()
        for indexes, future in self._futures:
            try:
                outcomes = future.result()
            except Exception:
                logger.warning("mail parse worker failed; parsing in-process", exc_info=True)
                if self._pool is not None:
                    _drop_pool(self._pool)
                    self._pool = None
                continue
            for i, outcome in zip(indexes, outcomes, strict=True):
                out[i] = outcome
                done.add(i)
        for i, raw in enumerate(self._raws):
            if raw is not None and i not in done:
                out[i] = parse_outcome(raw)
        return out
