-- Full-text search, PostgreSQL: a tsvector with Russian stemming plus the
-- unstemmed words, so names and numbers match as typed.
CREATE TABLE search_index (
    doc_key BIGINT PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    owner_id BIGINT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('russian', body) || to_tsvector('simple', body)) STORED
);
CREATE INDEX search_index_tsv ON search_index USING GIN (tsv);
