-- 0004_reporting_roster: the units the office expects a monthly return from (报送单位名单).
-- Empty means every unit that owns an indicator or shares a measure of the catalog. The office
-- maintains it with `python -m etl roster`; the demo enrols the units it simulates.
create table reporting_roster (
    unit varchar primary key,
    added_at timestamptz not null,
    added_by varchar not null
);
