// Best metapath instances linking user $user_key to each item in $items, ranked by the model's
// own evidence (never by path counts or entity degree):
//   U-I-I    "X, which you liked, is a sequel of it": a direct KG edge between a liked item X and the item;
//   U-I-E-I  "because you liked X, which shares an actor with it": X and the item link to one entity E
//            through the same relation, on the same side;
//   U-I-U-I  "N people who liked X also liked it".
// Evidence: with KG attention written back (m.attention = 'att_v<n>', a [head->tail, tail->head] pair
// per KG relationship, KGAT's edge_softmax weights) a KG path scores the product of the attention of
// its edges in the direction messages flow towards the item (X->E->item, or X->item); otherwise, and
// for U-I-U-I, the dot product of X's and the item's stored vectors. Entity degree only breaks ties.
MATCH (m:KgrecModel {dataset: $dataset})
WHERE ($version IS NULL AND m.active) OR m.version = $version
MATCH (u:User {key: $user_key})
UNWIND range(0, size($items) - 1) AS rank
MATCH (rec:Item {key: $items[rank]})
WITH m, u, rec, rank, rec[m.property] AS rv
CALL (m, u, rec, rv) {
  MATCH (u)-[:INTERACTED]->(x:Item)-[r]-(rec)
  WHERE NOT type(r) IN ['INTERACTED', 'FRIEND'] AND x <> rec
  WITH x, r, x[m.property] AS xv,
       CASE WHEN m.attention IS NULL THEN null
            ELSE coalesce(r[m.attention][CASE WHEN startNode(r) = x THEN 0 ELSE 1 END], 0.0) END AS att
  WITH x, r, att, reduce(s = 0.0, j IN range(0, size(xv) - 2) | s + xv[j] * rv[j]) AS similarity
  WITH x, r, similarity, coalesce(att, similarity) AS evidence
  ORDER BY evidence DESC, x.key
  LIMIT $per_kind
  RETURN collect({kind: 'U-I-I', via_key: x.key, via_title: coalesce(x.title, x.id),
                  relation: coalesce(r.relation, type(r)), head: startNode(r) = rec,
                  evidence: evidence, measure: CASE WHEN m.attention IS NULL THEN 'similarity' ELSE 'attention' END,
                  similarity: similarity}) AS direct
}
CALL (m, u, rec, rv) {
  MATCH (rec)-[r2]-(e)
  WHERE NOT type(r2) IN ['INTERACTED', 'FRIEND'] AND NOT e:User
  MATCH (e)-[r1]-(x:Item)<-[:INTERACTED]-(u)
  WHERE type(r1) = type(r2) AND x <> rec AND x <> e AND (startNode(r1) = x) = (startNode(r2) = rec)
  WITH x, e, r1, r2, x[m.property] AS xv,
       CASE WHEN m.attention IS NULL THEN null
            ELSE coalesce(r1[m.attention][CASE WHEN startNode(r1) = x THEN 0 ELSE 1 END], 0.0)
               * coalesce(r2[m.attention][CASE WHEN startNode(r2) = e THEN 0 ELSE 1 END], 0.0) END AS att
  WITH x, e, r2, att, reduce(s = 0.0, j IN range(0, size(xv) - 2) | s + xv[j] * rv[j]) AS similarity
  WITH x, e, r2, similarity, coalesce(att, similarity) AS evidence
  ORDER BY evidence DESC, COUNT { (e)--() } ASC, x.key, e.key
  LIMIT $per_kind
  RETURN collect({kind: 'U-I-E-I', via_key: x.key, via_title: coalesce(x.title, x.id),
                  entity_key: e.key, entity_name: coalesce(e.name, e.title),
                  relation: coalesce(r2.relation, type(r2)), head: startNode(r2) = rec,
                  evidence: evidence, measure: CASE WHEN m.attention IS NULL THEN 'similarity' ELSE 'attention' END,
                  similarity: similarity}) AS shared
}
CALL (m, u, rec, rv) {
  MATCH (rec)<-[:INTERACTED]-(v:User)-[:INTERACTED]->(x:Item)<-[:INTERACTED]-(u)
  WHERE v <> u AND x <> rec
  WITH x, count(DISTINCT v) AS people
  WITH x, people, x[m.property] AS xv
  WITH x, people, reduce(s = 0.0, j IN range(0, size(xv) - 2) | s + xv[j] * rv[j]) AS similarity
  ORDER BY similarity DESC, x.key
  LIMIT $per_kind
  RETURN collect({kind: 'U-I-U-I', via_key: x.key, via_title: coalesce(x.title, x.id), support: people,
                  evidence: similarity, measure: 'similarity', similarity: similarity}) AS collaborative
}
RETURN rec.key AS key, direct + shared + collaborative AS paths
ORDER BY rank
