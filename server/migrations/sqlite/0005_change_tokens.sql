-- Each change gets a random token, which a pull answers with its cookie and a client sends back
-- with it. A cookie names a `seq`; after the database is restored from an older backup, the same
-- `seq` can name a different change, and only the token tells the two apart (the client is then
-- told to start over). Changes written before this migration have none and are not checked.
ALTER TABLE changes ADD COLUMN token INTEGER;
