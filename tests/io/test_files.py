import csv

import pytest

from aegis.io.files import atomic_path, files_digest, partial_name, write_csv, write_text


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path):
    path = write_text(tmp_path / "summary.json", "old\n")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_the_partial_name_keeps_the_extension_for_writers_that_need_it(tmp_path):
    assert partial_name(tmp_path / "timeline.png").name == "timeline.partial.png"
    with atomic_path(tmp_path / "a.npy") as tmp:
        assert tmp.suffix == ".npy" and not (tmp_path / "a.npy").exists()
        tmp.write_bytes(b"x")
    assert (tmp_path / "a.npy").read_bytes() == b"x"


def test_write_csv_takes_dicts_by_column_and_sequences_in_order(tmp_path):
    path = write_csv(tmp_path / "t.csv", ("a", "b"), [{"b": 2, "a": 1}, {"a": 3}, [4, 5]])
    with path.open() as f:
        assert list(csv.reader(f)) == [["a", "b"], ["1", "2"], ["3", ""], ["4", "5"]]


def test_files_digest_depends_on_contents_order_and_extra(tmp_path):
    a, b = write_text(tmp_path / "a", "x"), write_text(tmp_path / "b", "y")
    assert files_digest([a, b]) == files_digest([tmp_path / "a", tmp_path / "b"])
    assert len({files_digest([a, b]), files_digest([b, a]), files_digest([a, b], b"s")}) == 3
    before = files_digest([a, b])
    write_text(a, "z")
    assert files_digest([a, b]) != before
