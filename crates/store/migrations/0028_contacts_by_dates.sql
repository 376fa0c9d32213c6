-- Version 28: contacts by creation and by birthday, then customer and
-- owner, so that the report builder's contacts by either date and then
-- customer read one run of periods at a time as a range of an index
-- (as migration 27 does for the position) instead of reading every
-- contact for each run (300,000 contacts: 113-276 ms).
CREATE INDEX contacts_by_created ON contacts (created_at, account_id, owner_id);
CREATE INDEX contacts_by_birthday ON contacts (birthday, account_id, owner_id);
-- Each customer's contacts with their owner, in place of the customer
-- alone: the walk of customers in name order (a customer grouping, first
-- or second) reads each one's contacts from the index, where a manager's
-- scope or an owner's value looked each contact up in the table.
CREATE INDEX contacts_by_account ON contacts (account_id, owner_id);
DROP INDEX contacts_account;
