"""The office's own records, written and audited: typical cases (典型案例), assessment entries
(扣分 / 改革创新加分 / 第三方评价), assessment locks, and (issue 15) 督办 items.

Every write takes the acting ``accounts.access.User``, checks the role, and records an audit
entry in the same ``store.write()`` transaction. What these records feed into (scores, due
dates) is computed in ``rules/`` (``rules.assess`` for the quarterly assessment).
"""
"""The office's own records, written and audited: 督办 items (and, from other issues, typical
cases, deductions, assessment locks). The computations they rest on live in ``rules/``."""
