// Text vectors (written by `kgrec encode-text`) of the items of $dataset.
MATCH (i:Item {dataset: $dataset})
WHERE i.text_vec IS NOT NULL
RETURN i.key AS key, i.text_vec AS text_vec
