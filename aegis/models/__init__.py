"""Networks (torch, training only): a registry with uniform constructors, which each family registers into."""

from aegis.models import emotionnet_nano, mini_xception, mobilenetv2, resnet20, vgg, video_resnet  # noqa: F401
from aegis.models.registry import create_model, list_models, model_spec

__all__ = ["create_model", "list_models", "model_spec"]
