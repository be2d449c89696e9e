"""Findings: problems found in a return, as values (code, severity, place, Chinese text).

Every finding code is registered once in ``RULES`` with its severity, its Chinese message
template and the Chinese hint telling the liaison how to fix it. Code elsewhere creates
findings only through :func:`make`, so the CLI, the upload page and the database all show
the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    sheet: str | None
    cell: str | None
    message: str
    hint: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def location(self) -> str:
        """``指标!E7`` style, or just the sheet / an empty string when there is no cell."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def to_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Rule:
    severity: Severity
    message: str  # str.format template
    hint: str


RULES: dict[str, Rule] = {
    # --- the file itself -----------------------------------------------------------------
    "FILE_UNREADABLE": Rule(
        "error",
        "文件“{name}”无法读取：不是有效的 Excel（.xlsx）文件。",
        "请使用办公室下发的月报模板填写，并以 .xlsx 格式保存后重新上传。",
    ),
    "SHEET_MISSING": Rule(
        "error",
        "缺少工作表“{sheet}”。",
        "请勿删除或重命名模板中的工作表；请在原模板上填写后重新上传。",
    ),
    # --- metadata -------------------------------------------------------------------------
    "META_MISSING": Rule(
        "error",
        "模板元数据缺少“{key}”，无法识别填报单位和月份。",
        "请使用办公室为本单位本月生成的模板，不要复制其他文件的内容另存。",
    ),
    "TEMPLATE_OUTDATED": Rule(
        "error",
        "模板版本为“{found}”，当前模板版本为“{current}”。",
        "请下载本月最新模板，将数据填入新模板后重新上传。",
    ),
    "UNIT_UNKNOWN": Rule(
        "error",
        "单位代码“{unit}”不在指标目录中。",
        "请使用办公室为本单位生成的模板；如单位有调整，请联系营商环境办公室。",
    ),
    "UNIT_MISMATCH": Rule(
        "error",
        "文件属于单位“{found}”，与指定的上报单位“{expected}”不一致。",
        "请确认上传的是本单位的月报模板，或更正指定的单位。",
    ),
    "PERIOD_INVALID": Rule(
        "error",
        "填报月份“{value}”无效，应为“年-月”格式（如 2026-09）。",
        "请使用办公室为本月生成的模板，不要修改隐藏的模板信息。",
    ),
    "PERIOD_IN_FUTURE": Rule(
        "error",
        "填报月份 {period} 尚未开始（收到时间 {received}）。",
        "请确认月份：本月报送的应是本月或以前月份的月报；请使用对应月份的模板。",
    ),
    "CATALOG_CHANGED": Rule(
        "warning",
        "模板生成时的指标目录版本“{found}”与当前版本“{current}”不同。",
        "指标目录已更新，数据已按当前目录导入；下月请使用新模板。",
    ),
    "ACCESS_DENIED": Rule(
        "error",
        "{reason}",
        "请由本单位联络员账号上传，或联系营商环境办公室代为导入。",
    ),
    # --- 指标 sheet ------------------------------------------------------------------------
    "INDICATOR_ROW_MISSING": Rule(
        "error",
        "缺少指标“{code}”（{name}）的填报行。",
        "请勿删除模板中的指标行；请在原模板上填写后重新上传。",
    ),
    "INDICATOR_UNKNOWN": Rule(
        "error",
        "指标代码“{code}”不是本单位本月应报的指标。",
        "请勿修改指标代码列或增加行；请在原模板上填写后重新上传。",
    ),
    "INDICATOR_DUPLICATE": Rule(
        "error",
        "指标代码“{code}”重复出现。",
        "每个指标只填一行，请删除重复的行。",
    ),
    "VALUE_NOT_NUMBER": Rule(
        "error",
        "本月值“{raw}”不是数字。",
        "请只填写数字（如 95 或 95%），说明文字请写在“备注”列。",
    ),
    "VALUE_UNIT_MISMATCH": Rule(
        "error",
        "本月值“{raw}”的单位“{found}”与指标计量单位“{uom}”不一致。",
        "请按“计量单位”列的单位换算后只填写数字。",
    ),
    "VALUE_MISSING_NO_NOTE": Rule(
        "error",
        "本月值为空，且未在备注中说明原因。",
        "请填写本月值；确实无法提供的，请在“备注”列说明原因。",
    ),
    "PERCENT_OUT_OF_RANGE": Rule(
        "error",
        "百分比指标的本月值 {value} 不在 0–100 之间。",
        "百分比请填写 0–100 之间的数，如 95 或 95%。",
    ),
    "VALUE_NEGATIVE": Rule(
        "error",
        "本月值 {value} 为负数，计量单位“{uom}”不能为负。",
        "请核对后填写不小于 0 的数。",
    ),
    "VALUE_NOT_INTEGER": Rule(
        "error",
        "本月值 {value} 不是整数，计量单位“{uom}”应为整数。",
        "计数类指标请填写不小于 0 的整数。",
    ),
    "PERCENT_AMBIGUOUS": Rule(
        "warning",
        "百分比指标填写了 {value}：是 {value}% 还是 {pct}%？已按 {value}% 导入。",
        "如实际为 {pct}%，请填写 {pct} 或 {pct}% 后重新上传。",
    ),
    "PERCENT_AS_DECIMAL": Rule(
        "error",
        "“{name}”填写了 {value}（{basis}）：是否应为 {pct}%？按 {value}% 入库会误判。",
        "如实际为 {pct}%，请填写 {pct} 或 {pct}%；如确为 {value}%，请在“备注”列说明原因后重新上传。",
    ),
    "CHANGE_OVER_50": Rule(
        "warning",
        "本月值 {value} 较上月 {previous} 变化 {change}，超过 50%，且备注为空。",
        "请核对数据；如数据无误，请在“备注”列说明变化原因后重新上传。",
    ),
    "SAME_AS_LAST_MONTH": Rule(
        "warning",
        "全部 {count} 项指标的本月值与上月完全相同。",
        "请确认已按本月实际情况更新数据，而非照抄上月。",
    ),
    # --- 任务进展 sheet --------------------------------------------------------------------
    "MEASURE_ROW_MISSING": Rule(
        "error",
        "缺少措施“{key}”的进展填报行。",
        "请勿删除模板中的措施行；请在原模板上填写后重新上传。",
    ),
    "MEASURE_UNKNOWN": Rule(
        "error",
        "措施键“{key}”不是本单位牵头或负责的措施。",
        "请勿修改措施键列或增加行；请在原模板上填写后重新上传。",
    ),
    "MEASURE_DUPLICATE": Rule(
        "error",
        "措施键“{key}”重复出现。",
        "每项措施只填一行，请删除重复的行。",
    ),
    "STATUS_MISSING": Rule(
        "error",
        "进展状态未填写。",
        "请从下拉列表中选择：未启动、推进中、已完成或滞后。",
    ),
    "STATUS_INVALID": Rule(
        "error",
        "进展状态“{value}”无效。",
        "请从下拉列表中选择：未启动、推进中、已完成或滞后。",
    ),
    "PCT_NOT_NUMBER": Rule(
        "error",
        "完成百分比“{raw}”不是数字。",
        "请填写 0–100 之间的数，如 60 或 60%。",
    ),
    "PCT_OUT_OF_RANGE": Rule(
        "error",
        "完成百分比 {pct} 不在 0–100 之间。",
        "请填写 0–100 之间的数，如 60 或 60%。",
    ),
    "LAG_WITHOUT_REASON": Rule(
        "error",
        "进展状态为“滞后”，但“存在问题”未填写。",
        "请在“存在问题”列说明滞后原因，并在“下步计划”中写明补救措施。",
    ),
    # --- 工作信息 sheet --------------------------------------------------------------------
    "WORK_ITEM_MISSING": Rule(
        "error",
        "缺少工作信息项目“{label}”（{key}）的填报行。",
        "请勿删除模板中的工作信息行；请在原模板上填写后重新上传。",
    ),
    "WORK_COUNT_MISSING": Rule(
        "error",
        "“{label}”未填写。",
        "请填写本月数量；没有的请填 0。",
    ),
    "WORK_COUNT_NOT_NUMBER": Rule(
        "error",
        "“{label}”的填报内容“{raw}”不是数字。",
        "请只填写数字，说明文字请写在其他工作信息项目中。",
    ),
    "WORK_COUNT_INVALID": Rule(
        "error",
        "“{label}”为 {value}，应为不小于 0 的整数。",
        "请填写不小于 0 的整数。",
    ),
    "ISSUES_SOLVED_EXCEEDS": Rule(
        "error",
        "解决问题数 {solved} 大于收集问题数 {collected}。",
        "请核对：解决问题数不应超过收集问题数。",
    ),
}


def make(code: str, /, sheet: str | None = None, cell: str | None = None, **params: object) -> Finding:
    """Build the finding registered under ``code`` with its place and message parameters.

    ``sheet`` and ``cell`` are also available to the message template.
    """
    rule = RULES[code]
    params = {"sheet": sheet, "cell": cell, **params}
    return Finding(
        code=code,
        severity=rule.severity,
        sheet=sheet,
        cell=cell,
        message=rule.message.format(**params),
        hint=rule.hint.format(**params),
    )


SHEET_ORDER = ("_meta", "指标", "任务进展", "工作信息")


def sort_key(f: Finding) -> tuple[int, int, str, str]:
    """File-level findings first, then by sheet in workbook order, row and column."""
    sheet = SHEET_ORDER.index(f.sheet) + 1 if f.sheet in SHEET_ORDER else (0 if f.sheet is None else 9)
    cell = f.cell or ""
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (sheet, int(digits) if digits else 0, cell, f.code)


MAX_FINDINGS = 200  # per file; more are summed up in one FINDINGS_TRUNCATED finding

RULES["FINDINGS_TRUNCATED"] = Rule(
    "error",
    "本文件共发现 {total} 个问题（其中错误 {errors} 个），问题过多，以下只列出前 {shown} 个。",
    "请先按列出的问题修改（同一类问题往往出在同一列或整片粘贴的区域），重新上传后再看其余问题。",
)


def capped(found: list[Finding], limit: int = MAX_FINDINGS) -> list[Finding]:
    """At most ``limit`` findings (errors first, each in ``sort_key`` order) plus one summary.

    A return with thousands of problems helps nobody as a list of thousands: the first ones
    show what to fix, and the database, the JSON output and the page stay small.
    """
    if len(found) <= limit:
        return found
    n_errors = sum(1 for f in found if f.is_error)
    ordered = sorted(found, key=lambda f: (not f.is_error, sort_key(f)))
    kept = sorted(ordered[:limit], key=sort_key)
    summary = make("FINDINGS_TRUNCATED", total=len(found), errors=n_errors, shown=limit)
    if not n_errors:
        summary = Finding(summary.code, "warning", None, None, summary.message, summary.hint)
    return [summary, *kept]


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]


def warnings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.is_error]
