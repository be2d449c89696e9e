-- 0011_period_judging: targets judged at their own frequency (issue 19).
-- indicator_period mirrors two catalog facts about quarterly and yearly indicators
-- (store.catalog_sync): what the monthly return asks for (report: 'month' = the month's
-- figure, 'cumulative' = the figure since the start of the period) and an optional schedule
-- of cumulative percentages at even checkpoints (季度进度 25/50/75/100).
-- An indicator without a row reports the month's figure and has no schedule.
create table indicator_period (
    code varchar primary key,
    report varchar not null,        -- month | cumulative
    schedule double[]               -- e.g. [25, 50, 75, 100]; NULL = time-proportional
);

-- A judged row now says which period it judges and, inside the period, the progress.
alter table judged_observation add column period_kind varchar;   -- month | quarter | year
alter table judged_observation add column actual double;         -- rollup of the period so far
alter table judged_observation add column expected double;       -- where the schedule says it should be
alter table judged_observation add column needed double;         -- what the rest of the period must bring

-- Stored judgments are now fingerprinted over the year to date (a quarterly or yearly row
-- depends on the earlier months of its period): every stored month is judged live until the
-- next refresh.
delete from unit_month_stats_state;
