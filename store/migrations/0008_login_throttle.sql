-- 0008_login_throttle: failed logins counted per account name and per client address.
-- Each failure pushes the next allowed attempt further out (progressive delay, capped), so
-- guessing is slow but nobody can be locked out by someone else's failures for long; the
-- office sees these rows on 账号管理 and can clear them. Keys are the name as typed (also
-- names that do not exist, so the answer never tells whether an account exists) and the
-- client's IP address. Rows whose last failure is older than the window are ignored.
create table login_throttle (
    kind varchar not null,              -- 'account' | 'client'
    key varchar not null,               -- username as typed (≤ 64 chars) or client address
    failures integer not null,          -- failures within the window
    first_failed_at timestamptz not null,
    last_failed_at timestamptz not null,
    next_try_at timestamptz not null,   -- no attempt is checked before this time
    primary key (kind, key)
);
