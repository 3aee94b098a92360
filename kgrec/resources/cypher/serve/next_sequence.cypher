// The next model sequence number (versions are v<seq>, never reused).
OPTIONAL MATCH (m:KgrecModel)
RETURN coalesce(max(m.seq), 0) + 1 AS seq
