"""Training (torch): configs (torch-free), the loop, augmentation, targets, checkpoints, export, distillation and
the design search."""
