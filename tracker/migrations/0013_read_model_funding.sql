-- The read model's funding channels (after migration 0010 added `funding_channels.identity`; the
-- other views of the read model are in 0009).

-- Funding channels as readers count them: one row per distinct channel of a project (the funding
-- collector's `identity`; rows written before migration 0010 fall back to platform and account,
-- else URL, else the manifest's reference), with every source that named it.
CREATE VIEW funding_channel_list AS
SELECT project_id, channel, arg_min(platform, source) AS platform, arg_min(account, source) AS account,
       arg_min(url, source) FILTER (WHERE url IS NOT NULL) AS url,
       list(DISTINCT source ORDER BY source) AS sources, max(collected_at) AS collected_at
FROM (SELECT *, coalesce(identity, platform || ':' || coalesce(lower(account), url, '#' || ref)) AS channel
      FROM funding_channels)
GROUP BY project_id, channel;

CREATE VIEW funding_channel_counts AS
SELECT project_id, count(*) AS channels FROM funding_channel_list GROUP BY project_id;
