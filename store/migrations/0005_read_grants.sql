-- 0005_read_grants: what the office lets a liaison read beyond their own unit.
-- A liaison reads unit-level figures of their own unit; other units only as region-wide
-- aggregates, unless the office grants more here (`python -m etl users grant`). Grants widen
-- reading only: a liaison still uploads for their own unit alone.
create table user_read_grant (
    username varchar not null,
    scope varchar not null,          -- 'all' | 'region:<region id>' | 'unit:<unit id>'
    granted_by varchar not null,
    granted_at timestamptz not null,
    primary key (username, scope)
);
