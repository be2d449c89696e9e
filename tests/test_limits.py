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


# --- the sheet's shape (issue 12, point 2) ------------------------------------------------


def _return_bytes(tmp_path, **kw) -> bytes:
    from tests.fixtures_returns import write_return

    return write_return(tmp_path / "r.xlsx", **kw).read_bytes()


def test_a_return_with_thousands_of_pasted_rows_is_refused_before_parsing(tmp_path, monkeypatch):
    from tests.fixtures_returns import with_many_rows

    upload = with_many_rows(_return_bytes(tmp_path), "指标", 5000)
    import python_calamine

    def no_parsing(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", no_parsing)
    found = check_upload("粘贴.xlsx", upload)
    assert [f.code for f in found] == ["SHEET_TOO_LARGE"]
    assert "工作表“指标”" in found[0].message and "第 1001 行" in found[0].message
    assert "删除多余的行和列" in found[0].hint


def test_a_cell_far_to_the_right_is_refused(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "wide.xlsx"
    path.write_bytes(_return_bytes(tmp_path))
    wb = load_workbook(path)
    wb["任务进展"]["XFD5"] = "误填"
    wb.save(path)
    found = check_upload("宽.xlsx", path.read_bytes())
    assert [f.code for f in found] == ["SHEET_TOO_LARGE"]
    assert "工作表“任务进展”" in found[0].message and "第 XFD 列" in found[0].message


def test_a_normal_return_is_within_the_shape_limits(tmp_path):
    assert check_upload("月报.xlsx", _return_bytes(tmp_path)) == []


def test_the_shape_limits_are_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("YINGSHANG_MAX_SHEET_ROWS", "5")
    assert check_upload("月报.xlsx", _return_bytes(tmp_path))[0].code == "SHEET_TOO_LARGE"


# --- encrypted and macro-enabled workbooks (issue 12, point 7) ----------------------------


def encrypted_xlsx(tmp_path) -> bytes:
    """A real password-protected workbook (Office "encrypt with password", agile encryption)."""
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(_return_bytes(tmp_path))
    out = io.BytesIO()
    with plain.open("rb") as f:
        OOXMLFile(f).encrypt("Secret-2026", out)
    assert msoffcrypto  # imported for the encryption
    return out.getvalue()


def test_a_password_protected_workbook_is_refused_saying_how_to_remove_the_password(tmp_path):
    found = check_upload("加密.xlsx", encrypted_xlsx(tmp_path))
    assert [f.code for f in found] == ["FILE_ENCRYPTED"]
    assert "打开密码" in found[0].message and "不是 .xlsx" not in found[0].message
    assert "用密码进行加密" in found[0].hint and "清空" in found[0].hint


def test_an_old_binary_xls_is_still_told_it_is_not_xlsx():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)
    assert [f.code for f in check_upload("旧.xls", ole)] == ["FILE_NOT_XLSX"]


def test_an_xlsm_file_is_refused_as_macro_enabled(tmp_path):
    found = check_upload("月报.xlsm", _return_bytes(tmp_path))
    assert [f.code for f in found] == ["FILE_HAS_MACROS"]
    assert "启用宏" in found[0].message and "*.xlsx" in found[0].hint


def test_an_xlsx_carrying_a_vba_project_is_refused_as_macro_enabled(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_return_bytes(tmp_path))) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(512))
    found = check_upload("伪装.xlsx", buf.getvalue())
    assert [f.code for f in found] == ["FILE_HAS_MACROS"]
    assert "VBA" in found[0].message
