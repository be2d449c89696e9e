"""``python -m etl ingest --watch DIR``: a long-running importer for a drop folder.

It imports the returns already in DIR, then every new ``.xlsx`` that appears, each once:

* a file is taken when its size and modification time are the same on two scans in a row
  (a copy still being written is left for the next scan); Excel's lock files (``~$x.xlsx``),
  hidden files and temp names are never read;
* "once" is keyed by the bytes' SHA-256, and the ledger is the database's own ``receipt``
  table: bytes with a receipt (accepted, rejected or a duplicate, by this watcher or by any
  other import) are not imported again, so a rejected file is not retried in a loop and a
  restart does not re-import the folder. Nothing is moved, renamed or written in DIR: the
  folder belongs to the liaisons (it may be a read-only share) and a result file beside each
  return would be one more thing for them to misread; the outcome is the JSON line on stdout,
  the 报送记录 page and ``python -m etl ingest`` output as usual. A liaison who fixes a rejected
  return saves new bytes, which are imported;
* the catalog and great-expectations are loaded once per process (``etl.validate`` keeps one
  GE context); a catalog change needs a restart;
* SIGINT / SIGTERM stop it between two imports (an import under way finishes its chunk);
  a Chinese summary goes to stderr, the exit code is 0.
"""

from __future__ import annotations

import hashlib
import json
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import store

Stat = tuple[int, int]  # size, mtime_ns


def is_candidate(path: Path) -> bool:
    """A return someone dropped: ``.xlsx``, not an Excel lock file (``~$…``), hidden or temp file."""
    name = path.name
    return (name.lower().endswith(".xlsx") and not name.startswith(("~$", ".", "~"))
            and not name.lower().endswith((".tmp.xlsx", ".part.xlsx")))


def _stat(path: Path) -> Stat | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns) if path.is_file() else None


def _sha256(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


@dataclass
class Watcher:
    """What one watch process has seen: the last scan's sizes and the files it handled."""

    directory: Path
    import_paths: Callable[[list[Path]], list[Any]]  # etl.ingest.ingest_files with the options bound
    db: Any = None
    last_scan: dict[Path, Stat] = field(default_factory=dict)
    handled: dict[Path, Stat] = field(default_factory=dict)  # path -> the stat it had when handled
    counts: Counter = field(default_factory=Counter)

    def ready(self) -> list[Path]:
        """Files unchanged since the previous scan and not handled in that state, by name."""
        scan = {p: s for p in self.directory.iterdir() if is_candidate(p) and (s := _stat(p)) is not None}
        ready = [p for p, s in sorted(scan.items())
                 if s[0] > 0 and self.last_scan.get(p) == s and self.handled.get(p) != s]
        self.last_scan = scan
        return ready

    def _known(self, shas: list[str]) -> set[str]:
        """Bytes with a receipt already (the ledger: any import, this process or another)."""
        if not shas:
            return set()
        with store.read(self.db) as con:
            rows = con.execute(f"select distinct sha256 from receipt where sha256 in ({store.placeholders(len(shas))})",
                               shas).fetchall()
        return {r[0] for r in rows}

    def step(self, emit: Callable[[Any], None]) -> int:
        """One scan: import the ready files not seen before; returns how many were imported."""
        ready = self.ready()
        if not ready:
            return 0
        shas = {p: _sha256(p) for p in ready}
        known = self._known(sorted({s for s in shas.values() if s}))
        todo, batch_shas = [], set()
        for p in ready:
            sha = shas[p]
            if sha is None:  # vanished or unreadable: looked at again only once it changes
                self.handled[p] = self.last_scan[p]
                continue
            if sha in known or sha in batch_shas:
                self.handled[p] = self.last_scan[p]
                self.counts["skipped"] += 1
                continue
            batch_shas.add(sha)
            todo.append(p)
        if not todo:
            return 0
        results = self.import_paths(todo)
        for p, res in zip(todo, results):
            self.handled[p] = self.last_scan[p]
            self.counts[res.status] += 1
            emit(res)
        return len(results)


def summary(directory: Path, counts: Counter) -> str:
    """The Chinese line printed when the watcher stops."""
    n = counts["accepted"] + counts["rejected"] + counts["duplicate"]
    return (f"已停止监视 {directory}：本次共导入 {n} 个文件（已接收 {counts['accepted']} 个，"
            f"已退回 {counts['rejected']} 个，重复文件 {counts['duplicate']} 个），"
            f"跳过此前已导入过的文件 {counts['skipped']} 个。")


def watch(directory: Path, import_paths: Callable[[list[Path]], list[Any]], *, db: Any = None,
          interval: float = 5.0, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
          stop: threading.Event | None = None) -> int:
    """Scan ``directory`` every ``interval`` seconds until SIGINT/SIGTERM (or ``stop``); one
    JSON line per imported file on ``out``. Returns the exit code (0)."""
    stop = stop or threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    watcher = Watcher(directory, import_paths, db=db)

    def emit(res: Any) -> None:
        print(json.dumps(res.to_json(), ensure_ascii=False), file=out, flush=True)

    print(f"正在监视 {directory}（每 {interval:g} 秒检查一次新月报；Ctrl+C 或 SIGTERM 停止）", file=err, flush=True)
    try:
        while not stop.is_set():
            try:
                watcher.step(emit)
            except store.StoreError as e:  # busy or unreachable database: try again next scan
                print(f"错误：{e}（{interval:g} 秒后重试）", file=err, flush=True)
            stop.wait(interval)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    print(summary(directory, watcher.counts), file=err, flush=True)
    return 0


def run(args: Any, user: Any) -> int:
    """``python -m etl ingest --watch DIR`` (see ``etl.cli_ingest``)."""
    from etl.ingest import ingest_files
    from indicators import load_catalog
    from indicators.catalog import CatalogError

    directory = Path(args.watch)
    if not directory.is_dir():
        print(f"错误：找不到目录 {directory}", file=sys.stderr)
        return 1
    try:
        catalog = load_catalog()  # once per process
    except CatalogError as err:
        print(f"错误：指标目录有误，无法校验月报。\n{err}", file=sys.stderr)
        return 1
    db = store.db_path(args.db)
    store.migrate(db)

    def import_paths(paths: list[Path]) -> list[Any]:
        return ingest_files(paths, db=db, user=user, as_unit=args.as_unit, catalog=catalog, reason=args.reason)

    return watch(directory, import_paths, db=db, interval=args.interval)
