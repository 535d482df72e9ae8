-- The check value of the cursor key the instances of this database sign with (an HMAC of a fixed label under the
-- key, never the key): stored by the first instance that serves, compared by every later one at its start.
alter table nizhal.meta add column cursor_key_check text;
