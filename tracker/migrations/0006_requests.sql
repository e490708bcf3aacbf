-- Requests from the app (or any reader) to the single writer: "track this repo", "collect now".
CREATE SEQUENCE collection_request_id_seq START 1;

CREATE TABLE collection_requests (
    id              BIGINT PRIMARY KEY DEFAULT nextval('collection_request_id_seq'),
    kind            VARCHAR NOT NULL,           -- 'collect' | 'track'
    project_slug    VARCHAR NOT NULL,
    git_source      VARCHAR,
    source          VARCHAR,                    -- NULL = every source
    requested_at    TIMESTAMP NOT NULL,
    requested_by    VARCHAR,
    status          VARCHAR NOT NULL,           -- pending | running | done | error
    handled_at      TIMESTAMP,
    error           VARCHAR
);
