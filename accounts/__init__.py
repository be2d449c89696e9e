"""The accounts floor: users, passwords, login sessions, roles and read scopes, the audit log.

Belongs here: who someone is and what they may do, and the record of what they did.
Not here: the login form and cookie (``dashboard.auth``, Streamlit), what the data means
(``rules``). Imports only ``store`` of the project's packages.
"""
