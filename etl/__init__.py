"""Returns in: the monthly Excel return from template to database.

Belongs here: the template builder, reading and normalising workbooks, validation
(great-expectations + rules, the only place that imports it), findings, upload limits, the
loader and ingest, changes to the reporting roster, the demo, and the ``python -m etl``
command wiring (one ``cli_*`` module per subcommand).

Not here: opening the database (``store``), judging (``rules``), accounts and audit
(``accounts``), Streamlit. May import every floor below it.
"""
