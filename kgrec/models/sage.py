"""``sage``: the inductive model — LightGCN for warm items and users, plus the item content tower
(:mod:`kgrec.models.content_tower`) that gives items without training interactions a vector from
their text and KG neighbourhood (``sage`` = ``lightgcn`` with ``cold_tower`` on by default).

The tower trains by its own gradient-isolated loss, so warm items and users are exactly LightGCN's;
``kgrec cold-start`` applies the same tower (saved as ``tower.npz``) to items added after training.
Negatives are drawn from warm items only (the trainer's ``negative_pool``), so never-interacted items
are not learned as universal negatives.
"""

from __future__ import annotations

from kgrec.models.lightgcn import LightGCN


class SAGE(LightGCN):
    """LightGCN whose default configuration carries the item content tower (``cold_tower``)."""
