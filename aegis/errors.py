"""User-facing errors: the CLI prints them as one line, without a traceback."""


class AegisError(Exception):
    """An error caused by the user's input (a file, a setting), reported as one line."""


class SourceError(AegisError):
    """A video, image folder or camera that cannot be read."""


class ModelError(AegisError):
    """A model file that is missing, unreadable or lacks AEGIS metadata."""


class ConfigError(AegisError, ValueError):
    """A setting out of range, or a name no config knows: an AegisError for the CLI, a ValueError for callers."""
