"""``python -m etl ingest --watch DIR``: the office leaves an importer running on the folder
liaisons drop their returns into. Each file is imported once, a bad one is reported once
with its Chinese errors (never retried in a loop), and SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

import store
from etl.watch import is_candidate
from tests.fixtures_returns import fill_template

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from indicators import load_catalog

    catalog = load_catalog()
    root = tmp_path_factory.mktemp("watch-src")
    first = next(i.code for i in catalog.indicators_for_unit("teda.zwfw", date(2026, 9, 1)))
    return {
        "teda": fill_template(root / "经开区政务服务办_2026-09.xlsx", catalog, "teda.zwfw", "2026-09"),
        "heping": fill_template(root / "和平区政务服务办_2026-09.xlsx", catalog, "heping.zwfw", "2026-09"),
        "bad": fill_template(root / "填错了.xlsx", catalog, "teda.zwfw", "2026-10", overrides={first: "待统计"}),
    }


class _Watch:
    """The watcher in a subprocess; its stdout lines arrive on a queue."""

    def __init__(self, directory: Path, db: Path) -> None:
        env = {**os.environ, "YINGSHANG_DB": str(db), "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "etl", "ingest", "--watch", str(directory),
                                      "--interval", "0.2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def next_lines(self, n: int, timeout: float = 15.0) -> list[dict]:
        out, end = [], time.monotonic() + timeout
        while len(out) < n:
            out.append(self.lines.get(timeout=max(0.1, end - time.monotonic())))
        return out

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=15)
        return self.proc.returncode, err


def test_dropped_files_are_imported_once_and_sigterm_stops_the_watcher(tmp_path: Path, returns) -> None:
    inbox, db = tmp_path / "收件箱", tmp_path / "w.duckdb"
    inbox.mkdir()
    shutil.copy(returns["teda"], inbox)  # already there when the watcher starts
    (inbox / "~$经开区政务服务办_2026-09.xlsx").write_bytes(b"excel lock file")
    watch = _Watch(inbox, db)
    try:
        [first] = watch.next_lines(1)
        assert (first["file"], first["status"], first["unit"]) == (returns["teda"].name, "accepted", "teda.zwfw")
        shutil.copy(returns["heping"], inbox)
        shutil.copy(returns["bad"], inbox)
        shutil.copy(returns["teda"], inbox / "经开区政务服务办_2026-09（副本）.xlsx")  # same bytes again
        later = {o["file"]: o for o in watch.next_lines(2)}
        assert later[returns["heping"].name]["status"] == "accepted"
        bad = later[returns["bad"].name]
        assert bad["status"] == "rejected" and bad["errors"][0]["code"] == "VALUE_NOT_NUMBER"
        assert "数" in bad["errors"][0]["message"]  # the liaison reads why, in Chinese
        time.sleep(1.5)  # several scans later: nothing is imported again, the copy is skipped
        assert watch.lines.empty()
    finally:
        code, err = watch.stop()
    assert code == 0, err
    assert "已停止监视" in err and "已接收 2 个" in err and "已退回 1 个" in err, err
    with store.read(db) as con:
        receipts = con.execute("select original_name, outcome from receipt order by id").fetchall()
    assert sorted(receipts) == sorted([(returns["teda"].name, "accepted"), (returns["heping"].name, "accepted"),
                                       (returns["bad"].name, "rejected")])


def test_a_restarted_watcher_does_not_import_the_folder_again(tmp_path: Path, returns) -> None:
    inbox, db = tmp_path / "收件箱", tmp_path / "w.duckdb"
    inbox.mkdir()
    shutil.copy(returns["bad"], inbox)
    watch = _Watch(inbox, db)
    try:
        [line] = watch.next_lines(1)
        assert line["status"] == "rejected"
    finally:
        assert watch.stop()[0] == 0
    again = _Watch(inbox, db)
    try:
        time.sleep(3)
        assert again.lines.empty()  # the receipt is the ledger: the same bytes are not retried
    finally:
        code, err = again.stop()
    assert code == 0 and "跳过此前已导入过的文件 1 个" in err, err


def test_lock_and_temp_files_are_never_read() -> None:
    assert is_candidate(Path("经开区政务服务办_2026-09.xlsx"))
    assert not any(is_candidate(Path(n)) for n in ("~$月报.xlsx", ".~月报.xlsx", "月报.xlsx.tmp", "月报.xls"))
