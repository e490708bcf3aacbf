-- Scores: every scoring run appends one row per project, so trends are queries.
CREATE TABLE scores (
    project_id      INTEGER NOT NULL,
    computed_at     TIMESTAMP NOT NULL,
    health          DOUBLE,                 -- 0-100, NULL if nothing known
    coverage        DOUBLE NOT NULL,        -- 0-1 share of weight known
    subscores       JSON NOT NULL,          -- {name: {"score": float|null, "reason": str, "inputs": {...}}}
    risk_level      VARCHAR NOT NULL,       -- low | medium | high | critical
    flags           JSON NOT NULL,          -- [{"name": str, "evidence": str, "severity": str}]
    maturity        VARCHAR,                -- archived | abandoned | mature-stable | dormant | young | active | NULL
    criticality     DOUBLE,
    truck_factor    INTEGER,
    funding_need    DOUBLE,
    funding_need_reason VARCHAR,
    weights_version VARCHAR NOT NULL,
    metrics         JSON NOT NULL,          -- the metrics dict the scores were computed from
    unchecked       JSON,                   -- [{"name": str, "reason": str}]: risk flags not checkable
    maturity_reason VARCHAR,
    PRIMARY KEY (project_id, computed_at)
);
