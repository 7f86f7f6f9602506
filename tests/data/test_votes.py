import numpy as np
import pytest

from aegis.data.votes import load_votes
from aegis.errors import AegisError
from aegis.labels import CLASSES

HEADER = "split,file,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"


def _votes(tmp_path, rows):
    path = tmp_path / "votes.csv"
    path.write_text(HEADER + "".join(f"test,test/x/{stem}.jpg,{counts}\n" for stem, counts in rows))
    return load_votes(path)


def test_majority_protocol_drops_single_votes_and_needs_over_half(tmp_path):
    votes = _votes(tmp_path, [
        ("clear", "6,1,1,1,1,0,0,0,0,0"),       # 6 of the 6 votes left after single votes go: neutral
        ("tie", "4,4,0,0,0,0,0,0,2,0"),         # 4 of 10: no majority
        ("singles", "4,0,0,0,0,0,0,0,0,0"),      # 4 of 4 (no single votes here)
        ("unknown", "2,0,0,0,0,0,0,0,8,0"),      # the top is unknown: left out
        ("face", "0,0,0,0,0,0,0,0,0,10"),        # not a face: left out
        ("contempt", "1,0,0,0,0,0,0,9,0,0"),      # contempt after the single neutral vote goes
        ("half", "3,3,0,0,0,0,0,0,0,0"),         # exactly half is not over half
    ])
    assert len(votes) == 7
    assert [votes.majority_label(s) for s in ("clear", "tie", "singles", "unknown", "face", "contempt", "half")] == [
        "neutral", None, "neutral", None, None, "contempt", None]
    assert votes.majority_label("absent") is None


def test_soft_target_uses_emotion_votes_only(tmp_path):
    votes = _votes(tmp_path, [("a", "2,0,0,0,6,0,0,2,0,0"), ("nf", "0,0,0,0,0,0,0,0,3,7")])
    target = votes.soft_target("a", CLASSES)  # contempt is no class here: its votes go
    expected = np.zeros(7, np.float32)
    expected[CLASSES.index("anger")], expected[CLASSES.index("neutral")] = 0.75, 0.25
    np.testing.assert_allclose(target, expected)
    assert votes.soft_target("nf", CLASSES) is None and votes.soft_target("absent", CLASSES) is None
    assert votes.soft_target("a", (*CLASSES, "contempt"))[-1] == pytest.approx(0.2)


@pytest.mark.parametrize("text, match", [("name,happiness\nx.png,1\n", "'file' column"),
                                         ("file,unknown\nx.png,1\n", "no emotion"),
                                         ("file,happy\nx.png,lots\n", "numbers")])
def test_bad_votes_files_are_refused(tmp_path, text, match):
    path = tmp_path / "v.csv"
    path.write_text(text)
    with pytest.raises(AegisError, match=match):
        load_votes(path)
    with pytest.raises(AegisError, match="no votes file"):
        load_votes(tmp_path / "missing.csv")
