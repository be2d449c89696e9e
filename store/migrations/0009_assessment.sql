-- 0009_assessment: the office's records for the quarterly assessment (季度考核).
-- Written by office/ (cases.py, entries.py, locks.py), each write audited in the same
-- transaction; read by rules/assess.py, which computes the scores. Quarters are 'YYYYQn'.

-- 典型案例: a liaison submits, the office approves (bonus in that quarter) or returns it.
create sequence typical_case_id_seq;
create table typical_case (
    id bigint primary key default nextval('typical_case_id_seq'),
    unit varchar not null,
    quarter varchar not null,           -- e.g. 2026Q3
    title varchar not null,
    measures varchar[] not null,        -- measure keys it concerns (001:m3)
    indicators varchar[] not null,      -- indicator codes it concerns
    effect varchar not null,            -- what changed, in numbers
    narrative varchar not null,         -- short account of what was done
    status varchar not null check (status in ('submitted', 'approved', 'returned')),
    submitted_by varchar not null,
    submitted_at timestamptz not null,
    decided_by varchar,
    decided_at timestamptz,
    decision_reason varchar,            -- why it was returned (or a note on approval)
    is_demo boolean not null default false
);

-- Office entries that move a unit's score: 扣分 (verified complaint / 督查 finding),
-- 改革创新加分 (counts under the bonus cap with approved cases), 第三方评价 (external score).
create sequence assessment_entry_id_seq;
create table assessment_entry (
    id bigint primary key default nextval('assessment_entry_id_seq'),
    unit varchar not null,
    quarter varchar not null,
    kind varchar not null check (kind in ('deduction', 'innovation', 'external')),
    points double not null,             -- deduction/innovation: points; external: score 0–100
    reason varchar not null,
    evidence varchar not null,          -- document number, 督查 notice, source of an evaluation
    entered_by varchar not null,
    entered_at timestamptz not null,
    withdrawn_by varchar,               -- a withdrawn entry no longer counts; kept for the record
    withdrawn_at timestamptz,
    withdraw_reason varchar,
    is_demo boolean not null default false
);

-- Locks: one row per lock; the open lock of a quarter has unlocked_at null.
create sequence assessment_lock_id_seq;
create table assessment_lock (
    id bigint primary key default nextval('assessment_lock_id_seq'),
    quarter varchar not null,
    locked_by varchar not null,
    locked_at timestamptz not null,
    reason varchar not null,
    rules_version varchar not null,     -- hash of the scoring rules in force when locked
    unlocked_by varchar,
    unlocked_at timestamptz,
    unlock_reason varchar
);

-- The scores as they stood when the quarter was locked (one JSON object per unit, the
-- shape `python -m etl assess --json` prints): later data never alters them.
create table assessment_score (
    lock_id bigint not null,
    quarter varchar not null,
    unit varchar not null,
    region varchar not null,
    score double not null,
    result varchar not null,            -- JSON text
    primary key (lock_id, unit)
);
