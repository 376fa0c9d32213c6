-- Version 27: contacts by position, then customer and owner, so that the
-- report builder's contacts by position and then customer read one
-- position at a time (its positions listed by a skip over this index,
-- each one's contacts a range of it) instead of grouping every contact
-- (300,000 contacts: 1.3-3.9 s).
CREATE INDEX contacts_by_position ON contacts (position, account_id, owner_id);
