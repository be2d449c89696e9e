"""What pages need, testable without Streamlit where it can be: page data (``queries`` and its
SQL), user-scoped red flags, charts, Excel exports, filters, and the Streamlit helpers and
login form (``ui``, ``auth``, ``session``).

Not here: verdict rules (``rules``), account rules (``accounts``), reading returns (``etl``
internals; pages call ``etl.ingest`` and ``etl.template`` directly).
"""
