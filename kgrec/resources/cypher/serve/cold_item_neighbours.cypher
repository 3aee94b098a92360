// Items of $dataset without a vector in property $property, with their text, text vector and
// their KG neighbours (relationship type, neighbour key and label; INTERACTED/FRIEND excluded),
// for an inductive model's item tower.
MATCH (i:Item {dataset: $dataset})
WHERE i[$property] IS NULL
RETURN i.key AS key, i.text AS text, i.text_vec AS text_vec,
       [(i)-[r]-(n) WHERE NOT type(r) IN ['INTERACTED', 'FRIEND']
        | {rel: type(r), key: n.key, label: CASE WHEN n:Item THEN 'Item' ELSE 'Entity' END}] AS neighbours
