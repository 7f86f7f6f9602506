"""Drawing: vector emoji and the per-face overlay."""
