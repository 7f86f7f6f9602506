"""The 7 expression classes, their dataset spellings and the CK+ numeric codes."""

CLASSES: tuple[str, ...] = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
CONTEMPT = "contempt"

SYNONYMS: dict[str, str] = {
    "anger": "anger", "angry": "anger", "an": "anger", "ang": "anger", "mad": "anger",
    "disgust": "disgust", "disgusted": "disgust", "di": "disgust", "dis": "disgust",
    "fear": "fear", "fearful": "fear", "afraid": "fear", "scared": "fear", "fe": "fear", "afs": "fear",
    "happiness": "happiness", "happy": "happiness", "joy": "happiness", "ha": "happiness", "hap": "happiness",
    "hapiness": "happiness",
    "sadness": "sadness", "sad": "sadness", "sa": "sadness",
    "surprise": "surprise", "surprised": "surprise", "su": "surprise", "sur": "surprise", "surprize": "surprise",
    "neutral": "neutral", "ne": "neutral", "neu": "neutral", "calm": "neutral",
    "contempt": CONTEMPT, "contemptuous": CONTEMPT, "co": CONTEMPT,
}

CKPLUS_CODES: dict[int, str] = {
    0: "neutral", 1: "anger", 2: CONTEMPT, 3: "disgust", 4: "fear", 5: "happiness", 6: "sadness", 7: "surprise",
}


def class_names(contempt: bool = False) -> tuple[str, ...]:
    """The class list: the 7 standard classes, plus contempt as an 8th when asked."""
    return (*CLASSES, CONTEMPT) if contempt else CLASSES


def canonical_label(name: str, contempt: bool = False) -> str:
    """Map a dataset's spelling ("Angry", "happy", "SADNESS") to its canonical class name.

    Raises:
        ValueError: the name is unknown, or is contempt while contempt is off.
    """
    key = name.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    label = SYNONYMS.get(key)
    if label is None or (label == CONTEMPT and not contempt):
        raise ValueError(f"unknown expression label {name!r}; expected one of {', '.join(class_names(contempt))}")
    return label


def is_label(name: str) -> bool:
    """Whether a name spells a class AEGIS knows (any spelling, contempt included)."""
    try:
        canonical_label(name, contempt=True)
    except ValueError:
        return False
    return True


def ckplus_label(code: float | str, contempt: bool = False) -> str:
    """Map a CK+ emotion code (an int, a float such as 3.0000000e+00, or its text) to a class name."""
    value = float(code)
    if value != int(value) or int(value) not in CKPLUS_CODES:
        raise ValueError(f"unknown CK+ emotion code {code!r}; expected 0-7")
    return canonical_label(CKPLUS_CODES[int(value)], contempt=contempt)
