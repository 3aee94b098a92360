// Full-text search over what the text encoder reads, for exploring in Neo4j Browser:
// CALL db.index.fulltext.queryNodes('node_text', 'star wars') YIELD node, score RETURN node, score
CREATE FULLTEXT INDEX node_text IF NOT EXISTS FOR (n:Item|Entity|User) ON EACH [n.text, n.name, n.title];
