-- Partial results. A source's data comes in parts (GitHub: rest, graphql, releases, issues,
-- contributors, community; Open Collective: one part per collective); `parts` records, per part,
-- what came of it: {"graphql": {"status": "failed", "reason": "..."}, "releases": {"status": "ok"}}
-- (status ok | failed | unchanged | skipped). A run some of whose parts failed while others arrived
-- has status 'partial': what arrived is saved, the rest stays unknown (NULL), the reasons are in
-- `error` and here.
ALTER TABLE collection_runs ADD COLUMN parts JSON;
