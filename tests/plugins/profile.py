"""pytest fixtures: profile."""
