"""One ingest at a time per index, for an index in a folder and for one on a shared Chroma server.

Two ingests that both read the live index, then each swap in their own new generation, lose
one batch: the second swap never saw the first's articles. So an ingest holds the writer
lock from the moment it reads the index until its swap is done; a second one waits for it
(up to `wait` seconds) and then fails with a message that says who holds it.

- An index in a folder: an OS file lock (`filelock`) on `<data dir>/<collection>.ingest.lock`.
  The OS releases it when the process ends, however it ends.
- An index on a Chroma server: a lease, kept in the metadata of a `<collection>-writer`
  collection: {"owner": <token>, "host": ..., "pid": ..., "expires": <epoch seconds>}. A
  lease is taken by writing it and reading it back after a pause (the last writer wins, and
  every contender sees who won), renewed while the ingest works, and checked once more just
  before the live pointer is switched: an ingest that lost its lease (it stalled past expiry
  and another took over) stops instead of switching. A killed ingest's lease expires.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from rag.errors import IngestBusy

DEFAULT_WAIT_SECONDS = 120.0
LEASE_SECONDS = 300.0  # renewed at least every few seconds while an ingest works; a killed one frees it this late
SETTLE_SECONDS = 0.3  # between writing a lease and reading it back: long enough for a rival's write to land
POLL_SECONDS = 0.5


class WriterLock:
    """Held for one ingest: `with lock.held(): ...`; `check()` renews a lease and fails if it was lost."""

    def held(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def check(self) -> None:
        """Renew the hold; raise IngestBusy when another writer has taken over."""


class FolderLock(WriterLock):
    def __init__(self, path: Path, *, wait: float = DEFAULT_WAIT_SECONDS) -> None:
        self._lock = FileLock(str(path))
        self._path = path
        self._wait = wait

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        try:
            self._lock.acquire(timeout=self._wait)
        except Timeout:
            raise IngestBusy(
                f"Another ingest is writing this index (lock {self._path.name} in {self._path.parent}); "
                f"waited {self._wait:.0f} s. Let it finish, then run this again."
            ) from None
        try:
            yield
        finally:
            self._lock.release()


class ServerLease(WriterLock):
    def __init__(self, collection: Callable[[], Any], *, where: str, wait: float = DEFAULT_WAIT_SECONDS) -> None:
        self._collection = collection  # the lease collection, fetched (or created) on each call
        self._where = where
        self._wait = wait
        self._token = ""

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self._acquire()
        try:
            yield
        finally:
            self._release()

    def check(self) -> None:
        if not self._token:
            return  # not held by this process: a direct swap (tests, tools) that takes part in no locking
        lease = self._read()
        if lease.get("owner") != self._token:
            raise IngestBusy(
                f"This ingest lost the writer lease on {self._where} to {_who(lease)} (it stalled for over "
                f"{LEASE_SECONDS:.0f} s); nothing was switched. Run it again."
            )
        self._write(self._token)

    def _acquire(self) -> None:
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self._wait
        while True:
            lease = self._read()
            if not lease.get("owner") or float(lease.get("expires", 0)) < time.time():
                self._write(token)
                time.sleep(SETTLE_SECONDS)
                lease = self._read()
                if lease.get("owner") == token:
                    self._token = token
                    return
            if time.monotonic() > deadline:
                raise IngestBusy(
                    f"Another ingest is writing the index on {self._where} ({_who(lease)}); waited "
                    f"{self._wait:.0f} s. Let it finish, then run this again."
                )
            time.sleep(POLL_SECONDS)

    def _release(self) -> None:
        with contextlib.suppress(Exception):  # an unreleased lease expires on its own
            if self._read().get("owner") == self._token:
                self._collection().modify(metadata={"owner": "", "expires": 0.0})
        self._token = ""

    def _read(self) -> dict[str, Any]:
        return dict(self._collection().metadata or {})

    def _write(self, token: str) -> None:
        expires = time.time() + LEASE_SECONDS
        self._collection().modify(metadata={"owner": token, "host": socket.gethostname(), "pid": os.getpid(),
                                            "expires": expires})  # fmt: skip


def _who(lease: dict[str, Any]) -> str:
    if not lease.get("owner"):
        return "no one now"
    return f"process {lease.get('pid', '?')} on {lease.get('host', '?')}"
