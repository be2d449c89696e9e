-- 0001_initial: catalog mirror, returns, observations, findings.
-- Catalog tables are a mirror of indicators/data/*.yaml, refreshed by store.sync_catalog();
-- the YAML stays the source of truth.

create table region (
    id varchar primary key,
    name varchar not null,
    kind varchar not null,          -- city | district | zone
    parent varchar,
    short_name varchar
);

create table unit (
    id varchar primary key,
    region varchar not null,
    name varchar not null,
    dept varchar not null,
    liaison varchar,
    phone varchar
);

create table plan (
    id varchar primary key,
    title varchar not null,
    issuer varchar,
    region varchar,
    issued date,
    period_start date,
    period_end date
);

create table measure (
    key varchar primary key,        -- plan:m<seq> or plan:d<seq>
    plan varchar not null,
    number varchar not null,
    seq integer not null,
    kind varchar not null,          -- measure | difficulty
    section varchar,
    title varchar not null
);

create table measure_unit (
    measure_key varchar not null,
    unit varchar not null,
    role varchar not null,          -- lead | responsible
    primary key (measure_key, unit, role)
);

create table indicator (
    code varchar primary key,
    name varchar not null,
    uom varchar not null,
    comparator varchar not null,
    target double not null,
    baseline double,
    baseline_year integer,
    direction varchar not null,
    frequency varchar not null,
    rollup varchar not null,
    plan varchar not null,
    measure varchar not null,
    common boolean not null,
    amber double,
    effective_from date,
    effective_to date
);

-- every target version, base target included, so history is judged by the target then in force
create table indicator_target (
    code varchar not null,
    comparator varchar not null,
    value double not null,
    amber double,
    effective_from date not null,
    effective_to date,
    primary key (code, effective_from)
);

create table indicator_owner (
    code varchar not null,
    unit varchar not null,
    primary key (code, unit)
);

-- Every file ever received, by content hash. The bytes live under data/archive/<sha256[:2]>/<sha256>.xlsx
create table archived_file (
    sha256 varchar primary key,
    size_bytes bigint not null,
    stored_path varchar not null,
    first_received_at timestamptz not null
);

-- Every receipt of a file (including duplicates): who sent what, when, and what happened.
create sequence receipt_id_seq;
create table receipt (
    id bigint primary key default nextval('receipt_id_seq'),
    sha256 varchar not null,
    original_name varchar not null,
    uploader varchar not null,
    received_at timestamptz not null,
    outcome varchar not null,       -- accepted | rejected | duplicate
    submission_id bigint,
    is_demo boolean not null default false
);

-- One parsed return (accepted or rejected) for a unit and month. Accepted versions count 1, 2, ...
create sequence submission_id_seq;
create table submission (
    id bigint primary key default nextval('submission_id_seq'),
    sha256 varchar not null,
    unit varchar,                   -- null when the metadata could not be read
    region varchar,
    period date,                    -- first day of the reported month
    status varchar not null,        -- accepted | rejected
    version integer,                -- accepted versions only
    is_current boolean not null default false,
    uploader varchar not null,
    received_at timestamptz not null,
    due_at timestamptz,
    on_time boolean,
    days_late integer,              -- calendar days after the due date (0 when on time)
    workdays_late integer,          -- working days after the due date (0 when on time)
    template_version varchar,
    catalog_version varchar,
    n_errors integer not null default 0,
    n_warnings integer not null default 0,
    is_demo boolean not null default false
);

create table finding (
    submission_id bigint not null,
    code varchar not null,
    severity varchar not null,      -- error | warning
    sheet varchar,
    cell varchar,                   -- e.g. E7
    message varchar not null,       -- Chinese
    hint varchar                    -- Chinese: how to fix it
);

-- One value per indicator of an accepted return; is_current marks the latest version.
create table observation (
    submission_id bigint not null,
    unit varchar not null,
    region varchar not null,
    period date not null,
    code varchar not null,
    value double,                   -- null when left blank (with a 备注)
    note varchar,
    cell varchar,
    is_current boolean not null default true,
    is_demo boolean not null default false
);

create table task_progress (
    submission_id bigint not null,
    unit varchar not null,
    period date not null,
    measure_key varchar not null,
    status varchar,                 -- 未启动 | 推进中 | 已完成 | 滞后
    pct double,
    progress varchar,
    problems varchar,
    next_steps varchar,
    row_no integer,
    is_current boolean not null default true
);

create table work_info (
    submission_id bigint not null,
    unit varchar not null,
    period date not null,
    item varchar not null,          -- visits | issues_collected | issues_solved | innovation | publicity | activities | practices
    value_num double,
    value_text varchar,
    is_current boolean not null default true
);

create table meta (
    key varchar primary key,
    value varchar
);
