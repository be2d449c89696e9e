-- 0012_candidate_units: the units that may be asked for a monthly return (rules.roster): every
-- unit that owns an indicator or shares a measure of the catalog. Kept beside the catalog mirror
-- (store.catalog_sync.refresh_candidate_units, in the same transaction as the mirror) so page
-- data does not deduplicate the owner lists on every query: a national catalog has 2 M owner
-- rows for 352 k units, ~100 ms of each overview, red-flag and 报送情况 query.
create table candidate_unit (
    unit varchar primary key
);
-- the databases migrated before: filled once here, from the mirror they hold
insert into candidate_unit select unit from indicator_owner union select unit from measure_unit;
