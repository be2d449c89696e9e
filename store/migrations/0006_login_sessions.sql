-- 0006_login_sessions: server-side login sessions, so a login survives a browser reload.
-- The browser keeps a random token in the cookie `yingshang_session`; only the token's SHA-256
-- is stored here, so a copy of the database yields no usable cookie. A session is refused once
-- ended (logout) or idle / too old (etl/sessions.py); logins and logouts are in audit_log.
create table login_session (
    token_hash varchar primary key,     -- hex SHA-256 of the cookie's token, never the token
    username varchar not null,
    created_at timestamptz not null,    -- the login
    last_seen timestamptz not null,     -- last activity, written at most every few minutes
    ended_at timestamptz                -- logout; null while the session is open
);
