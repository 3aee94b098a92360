// Mirror kgrec.serve.phrases into the graph so Browser queries can word paths:
// $rows [{relation, shared_head, shared_tail, forward, backward}].
UNWIND $rows AS row
MERGE (p:KgrecPhrase {relation: row.relation})
SET p.shared_head = row.shared_head, p.shared_tail = row.shared_tail,
    p.forward = row.forward, p.backward = row.backward
RETURN count(p) AS written
