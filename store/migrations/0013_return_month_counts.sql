-- 0013_return_month_counts: returns counted per month and region (rules.return_counts), so the
-- overview's 报送 figures and trend do not match a national year's first returns against the
-- expected units on every view. Written with the precomputed judgments (rules.stats), by the
-- catalog mirror and by roster changes; used only while their fingerprints match the data.
create table return_month_counts (
    period date not null,
    region varchar not null,
    submitted integer not null,     -- expected units with a first accepted return for the month
    on_time integer not null        -- of them, on time
    -- one row per period and region; unique on PostgreSQL only (store.postgres.EXTRA)
);

create table return_month_counts_state (
    period date primary key,
    fingerprint varchar not null
);

-- the units on the roster of reporting units (rules.roster) per region; its fingerprint (the
-- catalog version and the roster) is meta.return_region_units
create table return_region_units (
    region varchar primary key,
    expected integer not null
);
