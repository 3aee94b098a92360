// Vector index over the version's augmented item vectors (cosine on MIPS-augmented vectors ranks by dot product).
CREATE VECTOR INDEX {{index}} IF NOT EXISTS
FOR (n:Item) ON (n.{{property}})
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}
