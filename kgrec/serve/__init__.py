"""Serving: versioned write-back of embeddings, Cypher recommendations, cold start and fold-in."""
