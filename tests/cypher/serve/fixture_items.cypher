// Test/benchmark fixture: create items with title, year, genres, text and (optional) text vector.
UNWIND $rows AS row
CREATE (:Item {key: row.key, dataset: $dataset, id: row.id, title: row.title, year: row.year,
               genres: row.genres, text: row.text, text_vec: row.text_vec})
