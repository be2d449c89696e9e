"""The office's own records, written and audited: 督办 items (and, from other issues, typical
cases, deductions, assessment locks). The computations they rest on live in ``rules/``."""
