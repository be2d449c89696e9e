"""Progress bars for long command-line work (template --all, ingest of many files, demo).

One maintained library (tqdm, already installed with great-expectations) draws them on
stderr, so ``--json`` output on stdout stays clean. On by default (a first start was silent
for minutes); ``YINGSHANG_PROGRESS=0`` turns them off.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

from tqdm import tqdm

BAR_FORMAT = "{desc} {percentage:3.0f}%|{bar:30}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]"


def enabled(stream: TextIO | None = None) -> bool:
    return os.environ.get("YINGSHANG_PROGRESS", "").strip() != "0"


def bar(total: int, desc: str, unit: str = "个", stream: TextIO | None = None) -> tqdm:
    """A bar of ``total`` steps named ``desc`` (Chinese), silent when progress is off."""
    stream = stream or sys.stderr
    return tqdm(total=total, desc=desc, unit=unit, file=stream, bar_format=BAR_FORMAT,
                disable=not enabled(stream) or total < 2, dynamic_ncols=True, mininterval=0.2)


class Stages:
    """``progress(stage, done, total)`` callback (``etl.ingest``): one bar per stage."""

    NAMES = {"read": "读取校验", "write": "写入数据库"}

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.bars: dict[str, tqdm] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        b = self.bars.get(stage)
        if b is None:
            b = self.bars[stage] = bar(total, self.NAMES.get(stage, stage), "份", self.stream)
        b.update(done - b.n)
        if done >= total:
            b.close()


def counter(total_hint: int, desc: str, unit: str = "份", stream: TextIO | None = None) -> Callable[[int, int], Any]:
    """``progress(done, total)`` callback for the demo builder: one bar, total known late."""
    state: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        b = state.get("bar")
        if b is None:
            b = state["bar"] = bar(total or total_hint, desc, unit, stream)
        b.update(done - b.n)
        if done >= total:
            b.close()

    return update
