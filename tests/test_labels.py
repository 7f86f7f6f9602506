import pytest

from aegis.labels import CLASSES, canonical_label, ckplus_label, class_names


def test_class_order():
    assert CLASSES == ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
    assert class_names(contempt=True)[-1] == "contempt"


@pytest.mark.parametrize("name,expected", [
    ("Angry", "anger"), ("happy", "happiness"), ("SAD", "sadness"), ("Surprised", "surprise"),
    ("fearful", "fear"), ("Neutral", "neutral"), ("disgusted", "disgust"),
])
def test_synonyms(name, expected):
    assert canonical_label(name) == expected


def test_contempt_is_off_by_default():
    with pytest.raises(ValueError, match="contempt"):
        canonical_label("contempt")
    assert canonical_label("contempt", contempt=True) == "contempt"


@pytest.mark.parametrize("code,expected", [(1, "anger"), ("3.0000000e+00", "disgust"), (5.0, "happiness"),
                                           (6, "sadness"), (7, "surprise"), (4, "fear")])
def test_ckplus_codes(code, expected):
    assert ckplus_label(code) == expected


def test_ckplus_contempt_and_bad_codes():
    assert ckplus_label(2, contempt=True) == "contempt"
    with pytest.raises(ValueError):
        ckplus_label(2)
    with pytest.raises(ValueError):
        ckplus_label(9)
    with pytest.raises(ValueError):
        canonical_label("bored")


def test_the_package_shows_only_its_api_and_a_version(capsys):
    import types

    import pytest

    import aegis
    from aegis.cli import main

    foreign = [n for n, v in vars(aegis).items() if not n.startswith("_") and isinstance(v, types.ModuleType)
               and not v.__name__.startswith("aegis.")]
    assert foreign == []  # no `aegis.os`
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.strip() == f"aegis {aegis.__version__}"
