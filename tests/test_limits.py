"""Uploads are refused on their raw bytes, before any Excel parser runs: size cap, zip bombs."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from openpyxl import Workbook

from etl import limits
from etl.limits import MB, Limits, UploadRefused, check_upload, require_acceptable


def small_xlsx() -> bytes:
    wb = Workbook()
    wb.active.title = "指标"
    wb.active["A1"] = "指标代码"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bomb(member_mb: int = 200) -> bytes:
    """A small zip whose one member is ``member_mb`` MB of zeros (~1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = bytes(MB)
            for _ in range(member_mb):
                member.write(chunk)
    return buf.getvalue()


def test_a_normal_workbook_passes():
    assert check_upload("月报.xlsx", small_xlsx()) == []


def test_a_file_over_ten_megabytes_is_refused_with_a_chinese_message():
    found = check_upload("大文件.xlsx", small_xlsx() + bytes(11 * MB))
    assert [f.code for f in found] == ["FILE_TOO_LARGE"]
    assert "超过上传上限 10.0 MB" in found[0].message and found[0].severity == "error"


def test_the_size_cap_is_configurable(monkeypatch):
    monkeypatch.setenv("YINGSHANG_MAX_UPLOAD_MB", "0.001")
    assert check_upload("月报.xlsx", small_xlsx())[0].code == "FILE_TOO_LARGE"


def test_a_zip_bomb_is_refused_without_decompressing_it(monkeypatch):
    bomb = zip_bomb(200)
    assert len(bomb) < 1 * MB  # small on the wire: the size cap alone would let it through

    def no_decompression(*args, **kwargs):
        raise AssertionError("the bomb was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_decompression)
    found = check_upload("炸弹.xlsx", bomb)
    assert [f.code for f in found] == ["FILE_EXPANDS_TOO_MUCH"]
    assert "解压后大小超过 100.0 MB" in found[0].message and "未做解析" in found[0].message


def test_a_member_with_an_extreme_compression_ratio_is_refused():
    found = check_upload("可疑.xlsx", zip_bomb(20))  # 20 MB: under the total cap, ratio ~1000:1
    assert [f.code for f in found] == ["FILE_RATIO_SUSPICIOUS"]
    assert "疑似压缩炸弹" in found[0].message


def _lie_about_sizes(data: bytes, claimed: int) -> bytes:
    """Rewrite every uncompressed-size field (local and central headers) to ``claimed``."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (i := out.find(sig, start)) >= 0:
            out[i + offset : i + offset + 4] = struct.pack("<I", claimed)
            start = i + 4
    return bytes(out)


def test_a_bomb_that_lies_about_its_size_is_still_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", bytes(5 * MB))
    liar = _lie_about_sizes(buf.getvalue(), 1000)
    lim = Limits(max_upload_bytes=10 * MB, max_uncompressed_bytes=2 * MB, max_ratio=100)
    # headers say 1000 bytes: the bounded inflate counts the real 5 MB and stops past 2 MB
    assert [f.code for f in check_upload("伪装.xlsx", liar, lim)] == ["FILE_EXPANDS_TOO_MUCH"]
    honest_small = Limits(max_upload_bytes=10 * MB, max_uncompressed_bytes=1 * MB, max_ratio=10_000, ratio_floor_bytes=10 * MB)
    # the streaming budget alone stops an honest-but-large member without trusting headers
    data = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        found = limits._stream_check("x", data, archive, archive.infolist(), honest_small)
    assert [f.code for f in found] == ["FILE_EXPANDS_TOO_MUCH"]


def test_a_normal_workbook_is_counted_from_its_raw_bytes_not_through_zipfile(monkeypatch):
    """The fast path (zlib on the member's bytes) is the one taken for an ordinary upload."""
    upload = small_xlsx()

    def no_zipfile_reads(*args, **kwargs):
        raise AssertionError("read through ZipFile.open")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_zipfile_reads)
    assert check_upload("月报.xlsx", upload) == []


def test_a_truncated_member_is_refused_as_not_an_xlsx():
    data = bytearray(small_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        biggest = max(archive.infolist(), key=lambda m: m.compress_size)
    start = biggest.header_offset + 30 + len(biggest.filename.encode()) + len(biggest.extra)
    data[start : start + biggest.compress_size] = bytes([0xFF]) * biggest.compress_size  # not deflate
    assert [f.code for f in check_upload("坏.xlsx", bytes(data))] == ["FILE_NOT_XLSX"]


@pytest.mark.parametrize("data", [b"", b"not an excel file", "指标,本月值\nT01,96\n".encode("gbk"), b"\xd0\xcf\x11\xe0" + bytes(600)])
def test_bytes_that_are_not_an_xlsx_archive_are_refused(data):
    found = check_upload("月报.xls", data)
    assert [f.code for f in found] == ["FILE_NOT_XLSX"]
    assert "不是 .xlsx 格式" in found[0].message


def test_require_acceptable_raises_with_the_chinese_message():
    with pytest.raises(UploadRefused, match="不是 .xlsx 格式") as err:
        require_acceptable("a.csv", b"a,b")
    assert err.value.code == "FILE_NOT_XLSX"
