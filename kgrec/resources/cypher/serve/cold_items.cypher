// Items of $dataset without a vector in property $property, with their text, text vector and
// the vectors of their KG neighbours (entities or items linked by a non-interaction relationship).
MATCH (i:Item {dataset: $dataset})
WHERE i[$property] IS NULL
RETURN i.key AS key, i.text AS text, i.text_vec AS text_vec,
       [(i)-[r]-(n) WHERE NOT type(r) IN ['INTERACTED', 'FRIEND'] AND n[$property] IS NOT NULL
        | n[$property]] AS neighbours
