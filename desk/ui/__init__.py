"""The Qt layer: shows state, turns clicks and keys into service calls."""
