"""Upload limits checked on the raw bytes BEFORE any Excel parser sees them.

An .xlsx file is a zip archive. A small file can expand to gigabytes ("zip bomb") and exhaust
the server's memory inside openpyxl or calamine, so the archive is inspected first: size cap
on the upload, then the declared uncompressed sizes and per-member compression ratios from the
zip directory, then a bounded streaming decompression (headers can lie) that stops as soon as
the budget is spent. Caps come from the environment so the office can tune them.

Then the shape: every worksheet's XML is streamed (bounded memory, stops at the first cell
past the limit) and a sheet whose used area reaches beyond ``max_rows`` rows or
``max_cols`` columns is refused before calamine builds it in memory. The template has a few
dozen rows and at most nine columns; a million rows pasted into 指标 is refused in well
under a second instead of costing gigabytes and a million findings.

Encrypted workbooks (an Office "open password" turns the xlsx into an OLE container with an
``EncryptedPackage`` stream) and macro-enabled files (.xlsm, or an xlsx with a
``vbaProject.bin`` part) get their own refusals saying what to do.
"""

from __future__ import annotations

import io
import os
import re
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
    "FILE_ENCRYPTED": Rule(
        "error",
        "文件“{name}”设置了打开密码（已加密），系统无法读取其内容。",
        "请在 Excel 中打开该文件，依次点击“文件 → 信息 → 保护工作簿 → 用密码进行加密”，清空密码后保存"
        "（WPS：“文件 → 文档加密 → 密码加密”，清空打开密码），再重新上传。月报模板本身的工作表保护无需取消。",
    ),
    "FILE_HAS_MACROS": Rule(
        "error",
        "文件“{name}”是启用宏的工作簿（{detail}），为安全起见不予接收。",
        "请在办公室下发的月报模板（.xlsx）上填写，“另存为”时选择“Excel 工作簿（*.xlsx）”，不要保存为"
        "“启用宏的工作簿（*.xlsm）”，然后重新上传。",
    ),
    "SHEET_TOO_LARGE": Rule(
        "error",
        "工作表“{sheet}”的内容或格式延伸到{detail}，超出月报模板的范围"
        "（每张表最多 {max_rows} 行、{max_cols} 列），已拒收，未做解析。",
        "请在办公室下发的模板上填写，不要整列粘贴或在表格下方、右侧留下大量内容或格式；"
        "删除多余的行和列后重新保存上传。",
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
    max_rows: int = 1000   # per sheet; the template uses row 3 for headers and a few dozen data rows
    max_cols: int = 26     # per sheet (A–Z); the template uses at most nine columns

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            max_upload_bytes=int(float(os.environ.get("YINGSHANG_MAX_UPLOAD_MB", "10")) * MB),
            max_uncompressed_bytes=int(float(os.environ.get("YINGSHANG_MAX_UNCOMPRESSED_MB", "100")) * MB),
            max_ratio=float(os.environ.get("YINGSHANG_MAX_ZIP_RATIO", "100")),
            max_rows=int(os.environ.get("YINGSHANG_MAX_SHEET_ROWS", "1000")),
            max_cols=int(os.environ.get("YINGSHANG_MAX_SHEET_COLS", "26")),
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
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            return [findings.make("FILE_ENCRYPTED", name=name)]
        return [findings.make("FILE_NOT_XLSX", name=name)]  # an old .xls / .et binary workbook
    if name.lower().endswith((".xlsm", ".xltm", ".xlam")):
        return [findings.make("FILE_HAS_MACROS", name=name, detail="扩展名为 " + name.rsplit(".", 1)[-1])]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        return [findings.make("FILE_NOT_XLSX", name=name)]
    with archive:
        if len(members) > lim.max_members:
            return [findings.make("FILE_TOO_MANY_PARTS", name=name, count=len(members), limit=lim.max_members)]
        if any("vbaproject" in m.filename.lower() for m in members):
            return [findings.make("FILE_HAS_MACROS", name=name, detail="内含 VBA 宏代码")]
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
        return _shape_check(name, data, archive, members, lim) or _stream_check(name, data, archive, members, lim)


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


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: encrypted xlsx or old .xls
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_ROW_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_REF_ATTR = re.compile(rb'\sr="([A-Z]*)(\d+)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _small_member(data: bytes, archive: zipfile.ZipFile, filename: str) -> bytes:
    """A member of at most 1 MB inflated (more raises ``OSError``)."""
    m = archive.getinfo(filename)
    out = b""
    for chunk in _sheet_chunks(data, archive, m):
        out += chunk
        if len(out) > MB:
            raise OSError("member too large")
    return out


def _sheet_names(data: bytes, archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from workbook.xml (small; unreadable: parts keep their names)."""
    try:
        wb = _small_member(data, archive, "xl/workbook.xml")
        rels = _small_member(data, archive, "xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError, zlib.error, NotImplementedError, RuntimeError):
        return {}
    ids = dict(re.findall(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', wb))
    targets = dict(re.findall(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"', rels))
    targets.update({i: t for t, i in re.findall(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"', rels)})
    out = {}
    for sheet, rid in ids.items():
        target = targets.get(rid, b"").decode("utf-8", "replace")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[part] = sheet.decode("utf-8", "replace")
    return out


def _shape_check(name: str, data: bytes, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo],
                 lim: Limits) -> list[Finding]:
    """Refuse a worksheet whose used area reaches past ``max_rows`` × ``max_cols``.

    The sheet XML is inflated in 1 MB steps and scanned for row and cell tags (a tag cut at a
    step's end is carried into the next); scanning stops at the first row or cell past the
    limit, so a million-row sheet costs the first thousand rows.
    """
    sheets = [m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")]
    if not sheets:
        return []
    for m in sheets:
        try:
            over = _sheet_over_limit(data, archive, m, lim)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, EOFError, OSError):
            return [findings.make("FILE_NOT_XLSX", name=name)]
        if over:
            rows, cols = over
            sheet = _sheet_names(data, archive).get(m.filename, m.filename)
            detail = f"第 {rows} 行" if rows > lim.max_rows else f"第 {_column_letters(cols)} 列"
            return [findings.make("SHEET_TOO_LARGE", sheet=sheet, detail=detail,
                                  max_rows=lim.max_rows, max_cols=lim.max_cols)]
    return []


def _sheet_chunks(data: bytes, archive: zipfile.ZipFile, m: zipfile.ZipInfo):
    raw = _member_bytes(data, m)
    if raw is None or m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with archive.open(m) as stream:
            while chunk := stream.read(MB):
                yield chunk
    elif m.compress_type == zipfile.ZIP_STORED:
        for i in range(0, len(raw), MB):
            yield raw[i : i + MB]
    else:
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        chunk = raw
        while chunk:
            out = inflate.decompress(chunk, MB)
            if out:
                yield out
            chunk = inflate.unconsumed_tail
        if tail := inflate.flush():
            yield tail


def _sheet_over_limit(data: bytes, archive: zipfile.ZipFile, m: zipfile.ZipInfo,
                      lim: Limits) -> tuple[int, int] | None:
    """(row, column) of the first row or cell past the limit, or None."""
    row = 0
    carry = b""
    for chunk in [*_sheet_chunks(data, archive, m), None]:  # None: scan what is carried at the end
        buf = carry + (chunk or b"")
        cut = buf.rfind(b"<") if chunk is not None else -1
        buf, carry = (buf[:cut], buf[cut:]) if cut >= 0 else (buf, b"")
        if len(carry) > MB:  # no tag ends in a whole step: not a worksheet anyone saved
            carry = b""
        for tag in _ROW_TAG.finditer(buf):
            ref = _REF_ATTR.search(tag.group(2))
            if tag.group(1) == b"row":
                row = int(ref.group(2)) if ref else row + 1
                col = 0
            elif ref is None:
                continue
            else:
                row = max(row, int(ref.group(2)))
                col = _column_number(ref.group(1))
            if row > lim.max_rows or col > lim.max_cols:
                return row, col
    return None


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
