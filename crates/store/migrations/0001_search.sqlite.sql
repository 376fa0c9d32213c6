-- Full-text search, SQLite: an FTS5 index whose rowid encodes (entity, id).
CREATE VIRTUAL TABLE search_index USING fts5 (
    body,
    entity UNINDEXED,
    entity_id UNINDEXED,
    owner_id UNINDEXED,
    title UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
