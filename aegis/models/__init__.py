"""Networks (torch, training only): a registry with uniform constructors."""

from aegis.models.registry import create_model, list_models, model_spec

__all__ = ["create_model", "list_models", "model_spec"]
