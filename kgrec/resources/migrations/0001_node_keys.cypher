// Node keys used by every loader: one unique `key` ("<dataset>:<external id>") per label.
CREATE CONSTRAINT user_key IF NOT EXISTS FOR (u:User) REQUIRE u.key IS UNIQUE;
CREATE CONSTRAINT item_key IF NOT EXISTS FOR (i:Item) REQUIRE i.key IS UNIQUE;
CREATE CONSTRAINT entity_key IF NOT EXISTS FOR (e:Entity) REQUIRE e.key IS UNIQUE;
CREATE CONSTRAINT migration_version IF NOT EXISTS FOR (m:KgrecMigration) REQUIRE m.version IS UNIQUE;
