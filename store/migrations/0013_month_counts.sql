-- 0013_month_counts: counts per month kept beside the returns (rules.month_counts), so the
-- overview's 报送 figures and trend and 任务台账's counts do not join a national month's or
-- year's rows on every view. Written with the precomputed judgments (rules.stats), by the
-- catalog mirror and by roster changes; used only while their fingerprints match the data.
create table return_month_counts (
    period date not null,
    region varchar not null,
    submitted integer not null,     -- expected units with a first accepted return for the month
    on_time integer not null        -- of them, on time
    -- one row per period and region; unique on PostgreSQL only (store.postgres.EXTRA)
);

-- the units on the roster of reporting units (rules.roster) per region; its fingerprint (the
-- catalog version and the roster) is meta.return_region_units
create table return_region_units (
    region varchar primary key,
    expected integer not null
);
delete from meta where key = 'return_region_units';

-- 任务台账: measure x unit keys per month, plan, region, roster membership and the month's
-- progress status (未报: no progress reported)
create table task_month_counts (
    period date not null,
    plan varchar not null,
    region varchar,                 -- null: a unit the unit table does not know
    on_roster boolean not null,
    status varchar not null,
    n integer not null
);

-- one row per counted month: what the submissions and the expected units were
create table month_counts_state (
    period date primary key,
    fingerprint varchar not null
);
