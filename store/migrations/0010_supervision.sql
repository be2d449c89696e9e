-- 0010_supervision: 督办 items (plan 001 附件3/4/6, plan 003 挂单督办 / 对账销号).
-- An item is opened by the office from red flags or by hand, numbered 督〔YYYY〕N号 per year,
-- carries a deadline in working days and a meeting level, and moves
-- 待签收 -> 整改中 -> 申请销号 -> 已销号 (or 退回整改); 逾期 when the deadline passed.
-- Written by office/supervision.py only, every change audited in the same transaction.
create sequence supervision_item_seq;
create table supervision_item (
    id integer primary key default nextval('supervision_item_seq'),
    year integer not null,
    seq integer not null,            -- 17 in 督〔2026〕17号
    source varchar not null,         -- flag | complaint | inspection | survey | instruction
    problem varchar not null,
    requirement varchar not null,
    level varchar not null,          -- 会商会 | 专题会 | 领导小组会
    status varchar not null,         -- 待签收 | 整改中 | 申请销号 | 已销号 | 退回整改 | 逾期
    opened_on date not null,
    workdays integer not null,       -- time limit in working days from opened_on
    due_on date not null,
    overdue_on date,                 -- first day the sweep found it past due (kept after closing)
    signed_by varchar,
    signed_at timestamptz,
    closed_on date,
    opened_by varchar not null,
    opened_at timestamptz not null,
    unique (year, seq)
);

create table supervision_unit (
    item_id integer not null,
    unit varchar not null,
    role varchar not null,           -- lead | cooperating
    primary key (item_id, unit)
);

-- The red flags an item was opened from, with their evidence as shown when it was opened.
create table supervision_flag (
    item_id integer not null,
    flag varchar not null,
    unit varchar not null,
    period date not null,
    subject varchar,                 -- indicator code / measure key / finding code
    subject_name varchar,
    reason varchar,
    submission_id bigint,
    version integer,
    sheet varchar,
    cell varchar,
    evidence varchar
);

-- Everything that happened to an item: sign, progress, 销号 applications and decisions,
-- escalations, overdue marks. Evidence of an application is on its row.
create sequence supervision_event_seq;
create table supervision_event (
    id integer primary key default nextval('supervision_event_seq'),
    item_id integer not null,
    "at" timestamptz not null,
    on_day date not null,            -- the working day it counts for (sweep: --today)
    actor varchar not null,
    unit varchar,                    -- the acting liaison's unit
    kind varchar not null,           -- open | sign | progress | apply | approve | return | escalate | overdue | propose
    note varchar,
    status_before varchar,
    status_after varchar,
    level_before varchar,
    level_after varchar,
    evidence_sha256 varchar,         -- an attached file, archived by content
    evidence_name varchar,
    evidence_submission_id bigint    -- a later accepted return offered as evidence
);

-- Escalations the sweep proposes; one per item and target level, so a second sweep adds none.
create table supervision_proposal (
    item_id integer not null,
    to_level varchar not null,
    from_level varchar not null,
    proposed_on date not null,
    reason varchar not null,
    decided varchar,                 -- NULL open | escalated | dismissed
    primary key (item_id, to_level)
);
