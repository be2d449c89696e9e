"""Upload limits checked on the raw bytes BEFORE any Excel parser sees them.

An .xlsx file is a zip archive. A small file can expand to gigabytes ("zip bomb") and exhaust
the server's memory inside openpyxl or calamine, so the archive is inspected first: size cap
on the upload, then the declared uncompressed sizes and per-member compression ratios from the
zip directory, then a bounded streaming decompression (headers can lie) that stops as soon as
the budget is spent. Caps come from the environment so the office can tune them.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass

from etl import findings
from etl.findings import Finding, Rule

MB = 1024 * 1024

# Registered in the shared findings registry so the CLI, the page and the database show them
# like every other finding.
_RULES = {
    "FILE_TOO_LARGE": Rule(
        "error",
        "文件“{name}”大小为 {size}，超过上传上限 {limit}。",
        "月报模板正常不超过 1 MB；请删除多余的工作表、图片或空白行后重新保存上传。",
    ),
    "FILE_NOT_XLSX": Rule(
        "error",
        "文件“{name}”不是 .xlsx 格式的 Excel 文件（无法作为 xlsx 压缩包打开）。",
        "请使用办公室下发的月报模板填写，并以 .xlsx 格式保存（不要使用 .xls、.et 或 .csv）。",
    ),
    "FILE_EXPANDS_TOO_MUCH": Rule(
        "error",
        "文件“{name}”解压后大小超过 {limit}（{detail}），为防止异常文件拖垮系统已拒收，未做解析。",
        "请使用办公室下发的月报模板重新填写；如确为正常文件，请联系营商环境办公室。",
    ),
    "FILE_RATIO_SUSPICIOUS": Rule(
        "error",
        "文件“{name}”中的“{member}”压缩比为 {ratio}:1，超过上限 {limit}:1，疑似压缩炸弹，已拒收，未做解析。",
        "请使用办公室下发的月报模板重新填写；如确为正常文件，请联系营商环境办公室。",
    ),
    "FILE_TOO_MANY_PARTS": Rule(
        "error",
        "文件“{name}”包含 {count} 个内部部件，超过上限 {limit}，已拒收，未做解析。",
        "请使用办公室下发的月报模板重新填写。",
    ),
}
for _code, _rule in _RULES.items():
    findings.RULES.setdefault(_code, _rule)


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int
    max_uncompressed_bytes: int
    max_ratio: float
    ratio_floor_bytes: int = 1 * MB   # small parts compress well legitimately; judge ratio above this
    max_members: int = 2000

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            max_upload_bytes=int(float(os.environ.get("YINGSHANG_MAX_UPLOAD_MB", "10")) * MB),
            max_uncompressed_bytes=int(float(os.environ.get("YINGSHANG_MAX_UNCOMPRESSED_MB", "100")) * MB),
            max_ratio=float(os.environ.get("YINGSHANG_MAX_ZIP_RATIO", "100")),
        )


class UploadRefused(Exception):
    """For callers that prefer an exception: carries the findings; ``str(err)`` is Chinese."""

    def __init__(self, found: list[Finding]):
        super().__init__("；".join(f.message for f in found))
        self.findings = found
        self.code = found[0].code if found else "UPLOAD_REFUSED"


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= 100 * 1024 else f"{n / 1024:.0f} KB"


def check_upload(name: str, data: bytes, limits: Limits | None = None) -> list[Finding]:
    """Error findings that refuse ``data`` before parsing; an empty list means it may be parsed."""
    lim = limits or Limits.from_env()
    if len(data) > lim.max_upload_bytes:
        return [findings.make("FILE_TOO_LARGE", name=name, size=_size(len(data)), limit=_size(lim.max_upload_bytes))]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        return [findings.make("FILE_NOT_XLSX", name=name)]
    with archive:
        if len(members) > lim.max_members:
            return [findings.make("FILE_TOO_MANY_PARTS", name=name, count=len(members), limit=lim.max_members)]
        declared = sum(m.file_size for m in members)
        if declared > lim.max_uncompressed_bytes:
            return [_expands(name, lim, f"压缩包声明的解压大小为 {_size(declared)}")]
        for m in members:
            if m.file_size > lim.ratio_floor_bytes:
                ratio = m.file_size / max(m.compress_size, 1)
                if ratio > lim.max_ratio:
                    return [findings.make(
                        "FILE_RATIO_SUSPICIOUS", name=name, member=m.filename,
                        ratio=f"{ratio:.0f}", limit=f"{lim.max_ratio:.0f}",
                    )]
        return _stream_check(name, data, archive, members, lim)


def _expands(name: str, lim: Limits, detail: str) -> Finding:
    return findings.make("FILE_EXPANDS_TOO_MUCH", name=name, limit=_size(lim.max_uncompressed_bytes), detail=detail)


def _stream_check(name: str, data: bytes, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo],
                  lim: Limits) -> list[Finding]:
    """Inflate every member against the budget: zip headers may understate the real size.

    The members' compressed bytes are inflated straight from the upload with ``zlib`` in
    1 MB steps (memory stays flat however large the bomb), which takes half the time of
    reading them through ``ZipFile.open``; no CRC is needed to count bytes.
    """
    budget = lim.max_uncompressed_bytes
    for m in members:
        try:
            raw = _member_bytes(data, m)
            if raw is None or m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                budget -= _inflated_via_zipfile(archive, m, budget)
            elif m.compress_type == zipfile.ZIP_STORED:
                budget -= len(raw)
            else:
                budget -= _inflated_size(raw, budget)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, EOFError, OSError):
            return [findings.make("FILE_NOT_XLSX", name=name)]
        if budget < 0:
            return [_expands(name, lim, "实际解压数据超出声明大小")]
    return []


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, (version … sizes), name length, extra length


def _member_bytes(data: bytes, m: zipfile.ZipInfo) -> bytes | None:
    """The compressed bytes of ``m`` in the upload, or None when the local header is odd
    (then ``ZipFile.open`` reads it, with its own checks)."""
    start = m.header_offset
    if start + _LOCAL_HEADER.size > len(data):
        return None
    sig, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, start)
    if sig != b"PK\x03\x04" or m.flag_bits & 0x1:  # not a local header, or encrypted
        return None
    begin = start + _LOCAL_HEADER.size + name_len + extra_len
    return data[begin : begin + m.compress_size]


def _inflated_size(raw: bytes, budget: int) -> int:
    """Bytes a raw deflate stream inflates to, counting stops just past ``budget``."""
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    size, chunk = 0, raw
    while chunk and size <= budget:
        size += len(inflate.decompress(chunk, MB))
        chunk = inflate.unconsumed_tail
    if size <= budget:
        size += len(inflate.flush())
    return size


def _inflated_via_zipfile(archive: zipfile.ZipFile, m: zipfile.ZipInfo, budget: int) -> int:
    size = 0
    with archive.open(m) as stream:
        while size <= budget and (chunk := stream.read(256 * 1024)):
            size += len(chunk)
    return size


def require_acceptable(name: str, data: bytes, limits: Limits | None = None) -> None:
    """Raise :class:`UploadRefused` when ``check_upload`` finds a problem."""
    found = check_upload(name, data, limits)
    if found:
        raise UploadRefused(found)
