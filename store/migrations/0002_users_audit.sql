-- 0002_users_audit: accounts (bcrypt hashes only) and the audit trail of every write.

create table app_user (
    username varchar primary key,
    display_name varchar not null,
    role varchar not null check (role in ('office', 'liaison', 'leader')),
    unit varchar,                       -- liaisons only: the one unit they report for
    password_hash varchar not null,     -- bcrypt ($2b$...), never the password
    disabled boolean not null default false,
    created_at timestamptz not null,
    password_changed_at timestamptz not null,
    failed_logins integer not null default 0,   -- consecutive failures since the last success
    locked_until timestamptz,                   -- throttling: no login before this time
    is_demo boolean not null default false,
    check ((role = 'liaison') = (unit is not null))
);

-- One row per write, inserted in the same transaction as the write it describes.
create sequence audit_log_id_seq;
create table audit_log (
    id bigint primary key default nextval('audit_log_id_seq'),
    "at" timestamptz not null,      -- quoted: AT is a keyword
    actor varchar not null,             -- username (or "system" for the CLI and demo builder)
    action varchar not null,            -- upload_accepted | upload_rejected | upload_duplicate | reupload | user_* | login_*
    object_type varchar not null,       -- submission | receipt | user | session
    object_id varchar,
    unit varchar,
    before varchar,                     -- JSON text of the state before the write (null for inserts)
    after varchar,                      -- JSON text of the state after the write
    detail varchar                      -- Chinese free text
);

create index audit_log_at on audit_log ("at");
