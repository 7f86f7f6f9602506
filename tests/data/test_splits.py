"""Subject-independent splits: hold-out shares and k folds never put a subject on two sides."""


from aegis.data.splits import kfold_indices, split_indices


def test_subject_split_never_shares_a_subject():
    subjects = [f"s{i % 13}" for i in range(200)]
    parts = split_indices(subjects, "subject", seed=3)
    sets = [{subjects[i] for i in p} for p in parts]
    assert not (sets[0] & sets[1]) and not (sets[0] & sets[2]) and not (sets[1] & sets[2])
    assert sum(len(p) for p in parts) == 200


def test_kfold_covers_every_subject_once_and_never_leaks():
    subjects = [f"s{i % 20}" for i in range(200)]
    tested = []
    for fold in range(10):
        train_idx, val_idx, test_idx = kfold_indices(subjects, 10, fold)
        sides = [{subjects[i] for i in part} for part in (train_idx, val_idx, test_idx)]
        assert not (sides[0] & sides[2]) and not (sides[1] & sides[2]) and not (sides[0] & sides[1])
        tested += sorted(sides[2])
    assert sorted(tested) == sorted(set(subjects))
