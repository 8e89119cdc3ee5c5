"""pytest fixtures: qt."""
