-- 0007_trust: targets only where a plan sets them, references for relative and growth targets,
-- corrections kept apart from lateness, evidence down to the cell and the clause.

-- Where each target version applies: one row per region of its scope (catalog mirror).
-- A target version without rows here applies to every region (databases filled by hand).
create table target_scope (
    code varchar not null,
    effective_from date not null,
    region varchar not null,
    primary key (code, effective_from, region)
);

-- What a reviewer checks a target version against (catalog mirror): the plan, measure number,
-- clause and the plan's own words; soft = 一般应当 (a shortfall is 预警); the baseline of a
-- growth target with its source.
create table target_detail (
    code varchar not null,
    effective_from date not null,
    plan varchar,
    measure varchar,
    clause varchar,
    source varchar,
    soft boolean not null default false,
    baseline double,
    baseline_year integer,
    baseline_source varchar,
    primary key (code, effective_from)
);

-- References the office enters with their source (office/references.py, audited):
-- kind city_avg: the city average of an indicator for the months [period_from, period_to]
--   (e.g. from the city's annual evaluation report), used instead of the computed average;
-- kind baseline: the baseline value of a growth target (unit null = every owner).
-- Rows are never changed: the latest entry for the same key wins, earlier ones stay as history.
create sequence office_reference_id_seq;
create table office_reference (
    id bigint primary key default nextval('office_reference_id_seq'),
    kind varchar not null,          -- city_avg | baseline
    code varchar not null,
    unit varchar,
    period_from date,
    period_to date,
    value double not null,
    source varchar not null,
    entered_by varchar not null,
    entered_at timestamptz not null,
    is_demo boolean not null default false
);

-- Judged rows carry the target version they used and the reference behind relative/growth ones.
alter table judged_observation add column target_from date;
alter table judged_observation add column ref_kind varchar;     -- city_avg | baseline
alter table judged_observation add column ref_n integer;        -- districts averaged (computed city_avg)
alter table judged_observation add column ref_source varchar;   -- office entry / catalog source

-- Corrections: why a unit sent a later version; a version that re-sends earlier bytes says which.
alter table submission add column correction_reason varchar;
alter table submission add column restores_version integer;

-- Fictional contact data of the demo catalog (demo: true in units/*.yaml) and of demo databases.
create table demo_contact (
    unit varchar primary key
);

-- Stored judgments were made without scopes and references: judge every month live until the
-- next refresh (the catalog sync that follows this migration re-judges them all).
delete from unit_month_stats_state;
