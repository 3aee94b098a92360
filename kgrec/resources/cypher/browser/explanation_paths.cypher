// Why the user's top-3 recommendations: for each, the best direct KG link (sequel/prequel, ...) and the
// best shared-entity path from an item the user liked, in words, ranked by the model's evidence
// (KG attention when the version has it, else the liked item's dot product with the recommendation).
// Columns are titles and phrases only: no node, key or Freebase id is returned.
// In Neo4j Browser first run:  :params {user_key: 'ml100k:1', dataset: 'ml100k'}
MATCH (m:KgrecModel {dataset: $dataset, active: true})
MATCH (u:User {key: $user_key})
CALL db.index.vector.queryNodes(m.index, 100, u[m.property]) YIELD node AS rec
WITH m, u, rec
WHERE NOT EXISTS { (u)-[:INTERACTED]->(rec) }
WITH m, u, rec, u[m.property] AS uv, rec[m.property] AS rv
WITH m, u, rec, rv, reduce(s = 0.0, j IN range(0, size(uv) - 1) | s + uv[j] * rv[j]) AS score
ORDER BY score DESC
LIMIT 3
CALL (m, u, rec, rv) {
  MATCH (u)-[:INTERACTED]->(x:Item)-[r]-(rec)
  WHERE NOT type(r) IN ['INTERACTED', 'FRIEND'] AND x <> rec
  WITH x, r, true AS direct, startNode(r) = rec AS head, null AS entity,
       CASE WHEN m.attention IS NULL THEN null
            ELSE coalesce(r[m.attention][CASE WHEN startNode(r) = x THEN 0 ELSE 1 END], 0.0) END AS att
  RETURN x, r, direct, head, entity, att
  UNION
  MATCH (rec)-[r]-(e)-[r1]-(x:Item)<-[:INTERACTED]-(u)
  WHERE NOT type(r) IN ['INTERACTED', 'FRIEND'] AND NOT e:User AND type(r1) = type(r) AND x <> rec
    AND x <> e AND (startNode(r1) = x) = (startNode(r) = rec)
  WITH x, r, false AS direct, startNode(r) = rec AS head, coalesce(e.name, e.title) AS entity,
       CASE WHEN m.attention IS NULL THEN null
            ELSE coalesce(r1[m.attention][CASE WHEN startNode(r1) = x THEN 0 ELSE 1 END], 0.0)
               * coalesce(r[m.attention][CASE WHEN startNode(r) = e THEN 0 ELSE 1 END], 0.0) END AS att
  RETURN x, r, direct, head, entity, att
}
WITH m, rec, score, rv, x, r, direct, head, entity, att, x[m.property] AS xv
WITH m, rec, score, x, r, direct, head, entity,
     coalesce(att, reduce(s = 0.0, j IN range(0, size(xv) - 2) | s + xv[j] * rv[j])) AS evidence
ORDER BY score DESC, direct DESC, evidence DESC
WITH m, rec, score, direct, collect({x: x, r: r, head: head, entity: entity, evidence: evidence})[0] AS best
OPTIONAL MATCH (ph:KgrecPhrase {relation: coalesce(best.r.relation, type(best.r))})
WITH m, rec, score, direct, best, coalesce(best.x.title, 'an item you liked') AS liked,
     coalesce(CASE WHEN direct THEN CASE WHEN best.head THEN ph.backward ELSE ph.forward END
                   ELSE CASE WHEN best.head THEN ph.shared_head ELSE ph.shared_tail END END,
              'has something in common with') AS link,
     CASE WHEN best.entity =~ '(.*:)?[mg][.][0-9a-z_]+' THEN null ELSE best.entity END AS shared
RETURN rec.title AS recommended, round(score, 4) AS score,
       CASE WHEN direct THEN coalesce(rec.title, 'It') + ' ' + link + ' ' + liked + ', which you liked'
            ELSE 'because you liked ' + liked + ', which ' + link + ' it'
                 + coalesce(' (' + shared + ')', '') END AS why,
       round(best.evidence, 6) AS evidence,
       CASE WHEN m.attention IS NULL THEN 'similarity' ELSE 'attention' END AS measure
ORDER BY score DESC, direct DESC
