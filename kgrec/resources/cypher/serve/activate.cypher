// Atomically make $version the only active version of its dataset (one transaction).
MATCH (new:KgrecModel {version: $version})
WHERE new.status = 'ready'
CALL (new) {
  MATCH (old:KgrecModel {dataset: new.dataset})
  WHERE old.active AND old <> new
  SET old.active = false
}
SET new.active = true, new.activated_at = datetime()
RETURN new.version AS version, new.dataset AS dataset
