-- 0003_dashboard_stats: judgments (达标/预警/未达标 against the target in force) and monthly
-- attainment per unit, precomputed for the dashboard.
-- Maintained by dashboard.stats.refresh(con, periods) in the loader's transaction (after a
-- return is loaded: its period; after a catalog sync: every period). The dashboard checks
-- unit_month_stats_state against submission before trusting a period and otherwise judges
-- that month live with the same SQL, so a missed refresh costs speed, never correctness.

-- One row per current observation of a refreshed month, as dashboard.judge.JUDGED sees it.
create table judged_observation (
    submission_id bigint not null,
    unit varchar not null,
    region varchar not null,
    period date not null,
    code varchar not null,
    value double,
    cell varchar,
    name varchar,
    uom varchar,
    direction varchar,
    baseline double,
    comparator varchar,             -- of the target in force that month
    target double,
    amber double,
    city_avg double,                -- mean of the district means, same indicator and month
    reference double,               -- the number the value was compared with
    metric double,                  -- value, or growth over the baseline in % for "growth"
    op varchar,                     -- effective comparison: >=, >, <=, <, =
    margin double,                  -- how far on the passing side (negative = worse)
    status varchar,                 -- 达标 | 预警 | 未达标 | 未报 | NULL (no target in force)
    streak integer not null,        -- consecutive months 未达标 ending here, capped at 3
    value_text varchar not null,    -- 92.0% / 18 个工作日 (dashboard.format)
    target_text varchar not null,   -- ≥95.0% / 不低于全市平均
    reason varchar not null         -- 政务服务满意度 92.0% 低于目标 ≥95.0%
);

create table unit_month_stats (
    period date not null,
    unit varchar not null,
    region varchar not null,
    reported integer not null,      -- values judged against a target in force
    met integer not null,           -- 达标 + 预警
    amber integer not null,         -- 预警
    failed integer not null,        -- 未达标
    streak3 integer not null        -- 未达标 this month and the two before (连续三个月未达标)
);

-- One row per refreshed period: what the submission table looked like when it was computed.
create table unit_month_stats_state (
    period date primary key,
    fingerprint varchar not null
);

