// Stored text vectors of one dataset: key, dimension and the model that produced them.
MATCH (n)
WHERE n.dataset = $dataset AND n.text_vec IS NOT NULL
RETURN n.key AS key, size(n.text_vec) AS dimension, n.text_vec_model AS model, n.text_vec AS vector
ORDER BY key
