// PathSim's |paths(a, a)| for the symmetric metapath T0-T1-T0, for the next key-ordered batch of T0 nodes:
// the number of distinct T1 neighbours of a (adjacency is binary; a U-I hop counts only when the pair is
// in $train, a map user key -> {item key: true} of the TRAINING interactions, so held-out events never count).
// ALLOW markers (Tj:u:Tk:v = the hop between variables u and v; kgrec.metapath_edges.fill_statement): $train[user.key][item.key] on a U-I hop, else true.
MATCH (a:{{T0}}) WHERE a.key STARTS WITH $prefix AND a.key > $after
WITH a ORDER BY a.key LIMIT $limit
WITH collect(a) AS starts
CALL (starts) {
  UNWIND starts AS a
  CALL (a) {
    MATCH (a)-[r1:{{R1}}]-(x:{{T1}})
    WHERE {{ALLOW:T0:a:T1:x}}
    WITH DISTINCT x
    RETURN count(x) AS paths
  }
  RETURN collect(a.key) AS keys, collect(paths) AS self_paths
}
RETURN starts[-1].key AS last, size(starts) AS n, keys, self_paths
