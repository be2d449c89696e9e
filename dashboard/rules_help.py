"""The judging rules in the words offices ask about (指标详情 help; README 评判规则 says the same).

Display text only: the rules themselves live in ``rules.judge`` (target in force, amber),
``rules.period`` (quarterly and yearly targets), ``rules.deadline`` (the 25th, days late).
"""

from __future__ import annotations

from typing import Any

RULES_HELP = """\
- **适用哪一个目标**：某月按该月 1 日有效的目标评判；月中生效的新目标从下一个月起适用（如 10 月 15 日起收紧的目标，10 月仍按原目标、11 月起按新目标评判）。
- **季度、年度目标按其周期评判**：按指标的汇总方式（累计、平均、期末值、最高、最低）把一个季度或一年的各月汇总，只在季末（3、6、9、12 月）或年末（12 月）给出“达标 / 预警 / 未达标”。
- **期内看进度，不判未达标**：累计类目标按时间进度比较（已过月数 ÷ 全期月数 × 目标；目录写明进度安排的按安排，如季度进度 25%/50%/75%/100%），达到为“进度正常”，落后为“进度滞后”，并写明“还需 X 才能达标”；比率、水平类目标显示期内当前值，并写明剩余月份平均需达到多少。“进度滞后”是单独的黄色预警，期末之前不会判为“未达标”。
- **填报口径**：月报“本月值”填本月数；目录注明填累计数的（如年内累计停电时间），填本期开始至本月的累计数。月报模板“目标”列写明每项指标的评判周期和口径。
- **报送截止**：每月 25 日 23:59:59（北京时间），截止日遇周末或节假日不顺延（按方案“每月25日前报送”的写法）；迟报天数同时按自然日和工作日（扣除周末、法定节假日，计入调休上班日）计算，25 日截止、26 日收到为迟报 1 个自然日（26 日是工作日时也是 1 个工作日）。
- **预警区间在达标一侧**：数值已达到目标、但离目标不到预警宽度时为“预警”（如目标 ≥95%、预警宽度 1 个百分点：95% 至 96%（不含）为预警，低于 95% 为未达标）；目标为 100% 的指标不设预警。
"""

_ROLLUP = {"sum": "累计", "mean": "平均值", "max": "最高值", "min": "最低值", "latest": "期末值", "ratio": "期末值"}
_PERIOD = {"quarterly": ("季度", "季末"), "yearly": ("全年", "年末")}


def judging_text(detail: dict[str, Any]) -> str:
    """How one indicator is judged, e.g. 每月评判 / 全年累计，年末评判（填本月数）."""
    span = _PERIOD.get(detail.get("frequency") or "monthly")
    if span is None:
        return "每月评判"
    cumulative = detail.get("report") == "cumulative"
    what = "累计" if cumulative else _ROLLUP.get(detail.get("rollup") or "latest", "期末值")
    fill = "填累计数" if cumulative else "填本月数"
    return f"{span[0]}{what}，{span[1]}评判（{fill}）"
