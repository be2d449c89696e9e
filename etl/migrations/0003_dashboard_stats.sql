-- 0003_dashboard_stats: monthly indicator attainment per unit, precomputed for the dashboard.
-- Maintained by dashboard.stats.refresh(con, periods) in the loader's transaction (after a
-- return is loaded: its period; after a catalog sync: every period). The dashboard checks
-- unit_month_stats_state against submission before trusting a period and otherwise computes
-- the same figures live, so a missed refresh costs speed, never correctness.

create table unit_month_stats (
    period date not null,
    unit varchar not null,
    region varchar not null,
    reported integer not null,      -- values judged against a target in force
    met integer not null,           -- 达标 + 预警
    amber integer not null,         -- 预警
    failed integer not null         -- 未达标
);

-- One row per refreshed period: what the submission table looked like when it was computed.
create table unit_month_stats_state (
    period date primary key,
    fingerprint varchar not null
);

-- City average (mean of the district means) per indicator and month, refreshed with the stats.
create table city_month_avg (
    code varchar not null,
    period date not null,
    city_avg double not null
);
