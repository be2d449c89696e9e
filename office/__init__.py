"""The office's own records, written and audited: typical cases (典型案例), assessment entries
(扣分 / 改革创新加分 / 第三方评价), assessment locks, (issue 15) 督办 items, and (issue 11)
references for relative and growth targets (全市平均, 基期值) entered with their source.

Every write takes the acting ``accounts.access.User``, checks the role, and records an audit
entry in the same ``store.write()`` transaction. What these records feed into (scores, due
dates) is computed in ``rules/`` (``rules.assess`` for the quarterly assessment).
"""
