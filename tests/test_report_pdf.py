"""The 专报 as the leading group prints it: rendered by LibreOffice, read back from the PDF.

scripts/test.sh installs LibreOffice Writer and poppler when missing (like Chromium); a
machine without them fails here with that hint rather than skipping the check.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard import report
from fixtures_report import NOW, OFFICE, build_report_db

pytestmark = pytest.mark.slow


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        pytest.fail(f"缺少 {tool}：请运行 scripts/test.sh（会安装 libreoffice-writer、poppler-utils）")
    return path


def _to_pdf(docx: Path, out: Path) -> Path:
    # a private profile: concurrent soffice runs sharing ~/.config/libreoffice block each other
    subprocess.run([_need("soffice"), f"-env:UserInstallation=file://{out}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(docx)],
                   check=True, capture_output=True, timeout=240)
    return out / (docx.stem + ".pdf")


def _pages(pdf: Path) -> int:
    info = subprocess.run([_need("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _text(pdf: Path) -> str:
    return subprocess.run([_need("pdftotext"), str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("pdf")
    fx = build_report_db(tmp / "report.duckdb")
    out = {}
    for name, edition in (("month", report.Edition.parse("2026-10")),
                          ("empty", report.Edition.parse("2026-11"))):
        docx = tmp / f"{name}.docx"
        docx.write_bytes(report.build(fx["path"], OFFICE, edition, NOW))
        out[name] = _to_pdf(docx, tmp)
    return out


def test_the_month_renders_on_a4_pages_with_page_numbers(rendered):
    pdf = rendered["month"]
    pages = _pages(pdf)
    # looked at (pdftoppm) when written: masthead + 总体情况 with the trend chart on page 1,
    # the flag table on page 2, regions/tasks/counts on 3, the quoted texts and 典型案例 on 4,
    # 督办情况 on 5 (looked at again after the 督办 records joined the report)
    assert pages == 5
    info = subprocess.run([_need("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "(A4)" in info
    text = _text(pdf)
    for n in range(1, pages + 1):
        assert f"— {n} —" in text or f"—{n}—" in text


def test_the_rendered_month_reads_like_the_document(rendered):
    text = "".join(_text(rendered["month"]).split())        # LibreOffice wraps lines anywhere
    for phrase in ("营商环境专报", "天津市优化营商环境工作领导小组办公室", "一、总体情况",
                   "逾期未报单位：经开区政务服务办", "三、红灯预警", "四、区域对比", "图2",
                   "六、工作信息", "河西区发展改革委：组织政企座谈会2场，协调解决用地问题1件。",
                   "{PAGE}政策宣讲3场=1+1"):
        assert phrase in text, phrase
    assert "CJK" not in text and "\ufffd" not in text


def test_the_month_without_returns_is_one_page(rendered):
    pdf = rendered["empty"]
    assert _pages(pdf) == 1
    assert "尚未收到任何单位报送的月报" in "".join(_text(pdf).split())
