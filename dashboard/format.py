"""Display helpers for the dashboard: status colours and Chinese column headers.

Value and target formatting lives in ``rules.format`` (judging needs it too) and is
re-exported here for pages.
"""

from __future__ import annotations

import pandas as pd

from rules.format import COMPARATOR_TEXT, fmt_pct, fmt_target, fmt_value  # noqa: F401 (re-export)

STATUS_COLORS = {
    "达标": "#2e7d32",
    "预警": "#f9a825",
    "未达标": "#c62828",
    "未报": "#9e9e9e",
    "进度正常": "#1565c0",
    "进度滞后": "#f9a825",
    "无目标": "#b0bec5",
    "无参照": "#a1887f",
    "按时报送": "#2e7d32",
    "迟报": "#f9a825",
    "逾期未报": "#c62828",
    "未到期": "#90a4ae",
    "已完成": "#2e7d32",
    "推进中": "#1565c0",
    "未启动": "#9e9e9e",
    "滞后": "#c62828",
}

COLUMN_LABELS: dict[str, str] = {
    "unit": "单位代码", "unit_name": "责任单位", "region": "区域代码", "region_name": "区域",
    "region_kind": "区域类型", "dept": "部门", "liaison": "联络员", "phone": "联系电话",
    "period": "月份", "code": "指标代码", "name": "指标名称", "uom": "计量单位",
    "comparator": "比较方式", "target": "目标值", "amber": "预警区间", "reference": "对照值",
    "value": "数值", "value_text": "本月值", "target_text": "目标", "status": "状态",
    "reason": "原因", "rank": "排名", "city_avg": "全市平均", "diff": "与全市平均之差",
    "submission_id": "报送编号", "version": "版本", "sheet": "工作表", "cell": "单元格",
    "evidence": "依据", "flag": "预警类型", "severity": "严重程度", "subject": "对象代码",
    "subject_name": "指标/任务", "received_at": "报送时间", "due_at": "截止时间",
    "days_late": "迟报天数", "workdays_late": "迟报工作日", "days_left": "距截止（天）",
    "workdays_left": "距截止（工作日）", "timeliness": "是否按时", "n_errors": "错误数",
    "n_warnings": "警告数", "uploader": "报送人", "measure_key": "措施键", "plan": "方案",
    "plan_title": "所属方案", "number": "措施编号", "title": "措施名称", "role": "角色",
    "pct": "完成百分比", "progress": "本月进展", "problems": "存在问题", "next_steps": "下步计划",
    "row_no": "行号", "failed": "未达标指标数", "amber_n": "预警指标数", "reported": "已报指标数",
    "met": "达标指标数", "attainment_rate": "达标率", "tasks_lagging": "滞后任务数",
    "return_status": "本月报送", "score": "落后分", "expected": "应报数", "submitted": "已报数",
    "on_time": "按时数", "on_time_rate": "按时报送率", "above_avg": "优于全市平均指标数",
    "n": "次数", "units": "涉及单位数", "example_message": "示例说明", "example_hint": "修改建议",
    "example_sheet": "示例工作表", "example_cell": "示例单元格", "direction": "方向",
    "effective_from": "生效日期", "period_kind": "评判周期", "actual": "期内累计/当前值",
    "needed": "尚需", "effective_to": "失效日期", "common": "共性指标",
    "gap": "差距分", "region_group": "类别", "finding": "问题", "on_roster": "报送名单",
    "indicator_name": "指标",
    "corrections": "更正次数", "corrected_at": "最近更正时间", "correction_reason": "更正原因",
    "first_attempt_at": "首次报送尝试",
}


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with Chinese column headers (unknown columns keep their name)."""
    return df.rename(columns={c: COLUMN_LABELS.get(c, c) for c in df.columns})
