"""Ingest: parse and validate every input fully in memory, then write it with batched MERGE.

``sources`` fetches pinned inputs, ``recbole`` / ``lastfm`` / ``csvspec`` / ``synthetic`` build a
:class:`~kgrec.ingest.validate.RawDataset`, ``validate`` checks it whole, ``loader`` writes it.
"""
