"""Face detection (plug-ins registered in `registry`), tracking and cropping."""

from aegis.faces import haar, mtcnn  # noqa: F401  (each registers its detector)
