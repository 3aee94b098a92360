// Top-$top_n neighbours b != a along the symmetric metapath T0-T1-T2-T1-T0 for the next key-ordered batch
// of T0 nodes a, as parallel lists. |paths(a, b)| = sum over x in T2 of c(a, x) c(b, x), c = walks along
// the half path T0-T1-T2 (binary adjacency; a U-I hop counts only when the pair is in $train, a map
// user key -> {item key: true} of the TRAINING interactions). weight: 'pathsim' =
// 2|paths(a,b)| / (|paths(a,a)| + |paths(b,b)|) with $self_paths (key -> |paths(x,x)|), 'count' = |paths(a,b)|.
// ALLOW markers (Tj:u:Tk:v = the hop between variables u and v; kgrec.metapath_edges.fill_statement): $train[user.key][item.key] on a U-I hop, else true.
MATCH (a:{{T0}}) WHERE a.key STARTS WITH $prefix AND a.key > $after
WITH a ORDER BY a.key LIMIT $limit
WITH collect(a) AS starts
CALL (starts) {
  UNWIND starts AS a
  CALL (a) {
    MATCH (a)-[r1:{{R1}}]-(y:{{T1}})
    WHERE {{ALLOW:T0:a:T1:y}}
    WITH DISTINCT a, y
    MATCH (y)-[r2:{{R2}}]-(x:{{T2}})
    WHERE {{ALLOW:T1:y:T2:x}}
    WITH DISTINCT a, y, x
    WITH a, x, count(y) AS walks_a
    CALL (x) {
      // c(b, x) for every b, in its own scope so the DISTINCT sets stay per middle node
      MATCH (x)-[r3:{{R2}}]-(z:{{T1}})
      WHERE {{ALLOW:T2:x:T1:z}}
      WITH DISTINCT x, z
      MATCH (z)-[r4:{{R1}}]-(b:{{T0}})
      WHERE {{ALLOW:T1:z:T0:b}}
      WITH DISTINCT z, b
      RETURN b, count(z) AS walks_b
    }
    WITH a, b, walks_a, walks_b WHERE b <> a
    WITH a, b, sum(walks_a * walks_b) AS paths
    WITH b, CASE $weighting WHEN 'pathsim' THEN 2.0 * paths / ($self_paths[a.key] + $self_paths[b.key])
                            ELSE toFloat(paths) END AS weight
    ORDER BY weight DESC, b.key
    LIMIT $top_n
    RETURN b.key AS neighbour, weight
  }
  RETURN collect(a.key) AS start_keys, collect(neighbour) AS neighbour_keys, collect(weight) AS weights
}
RETURN starts[-1].key AS last, size(starts) AS n, start_keys, neighbour_keys, weights
