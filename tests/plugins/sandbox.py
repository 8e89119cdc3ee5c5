"""pytest fixtures: sandbox."""
