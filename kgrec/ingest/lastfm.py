"""Last.fm (HetRec 2011) with the KGCN Freebase KG: listens, friendships, artist names, triples.

Files (tab-separated): ``user_artists.dat`` (userID, artistID, weight), ``artists.dat``
(id, name, url, pictureURL), ``user_friends.dat`` (userID, friendID) with a header line;
``item_index2entity_id.txt`` (artistID, entity) and ``kg.txt`` (head, relation, tail) without.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kgrec.errors import InputError
from kgrec.ingest.recbole import check_dir, read_text, split_lines
from kgrec.ingest.sources import verify_sha256sums
from kgrec.ingest.validate import EventRow, NodeRow, PairRow, RawDataset, Where
from kgrec.numbers import parse_float


def read_lastfm(directory: Path, dataset: str = "lastfm", check_sums: bool = True) -> RawDataset:
    directory = Path(directory)
    check_dir(directory)
    raw = RawDataset(name=dataset, source=str(directory), users_declared=False, items_declared=True)
    if check_sums:
        verify_sha256sums(directory)
    for line, (aid, name, *_rest) in _rows(directory / "artists.dat", raw, 4, header=True, min_cols=2):
        raw.items.append(NodeRow(aid, {"title": name, "text": name}, line))
    for line, (uid, aid, weight) in _rows(directory / "user_artists.dat", raw, 3, header=True):
        count = parse_float(weight, path=line.path, line=line.line, column="weight", minimum=0.0)
        raw.events.append(EventRow(uid, aid, "listen", None, count, None, None, line))
    raw.users = [NodeRow(uid, {}, Where(str(directory / "user_artists.dat"), 0))
                 for uid in dict.fromkeys(e.user for e in raw.events)]
    raw.users_declared = True
    for line, (uid, fid) in _rows(directory / "user_friends.dat", raw, 2, header=True):
        raw.friends.append(PairRow(uid, fid, line))
    for line, (aid, eid) in _rows(directory / "item_index2entity_id.txt", raw, 2, header=False):
        raw.links.append(PairRow(aid, eid, line))
    for line, (head, rel, tail) in _rows(directory / "kg.txt", raw, 3, header=False):
        raw.triples.append(PairRow(head, tail, line, rel))
    return raw


def _rows(path: Path, raw: RawDataset, columns: int, header: bool,
          min_cols: int | None = None) -> Iterator[tuple[Where, list[str]]]:
    text, digest = read_text(path)
    raw.checksums[path.name] = digest
    lines = split_lines(text)
    if header and next(lines, None) is None:
        raise InputError(str(path), "empty file")
    found = False
    for number, line in lines:
        values = [v.strip() for v in line.split("\t")]
        if not (min_cols or columns) <= len(values) <= columns:
            raise InputError(str(path), f"expected {columns} tab-separated columns, found {len(values)}", number)
        found = True
        yield Where(str(path), number), values + [""] * (columns - len(values))
    if not found:
        raise InputError(str(path), "no data rows")
