"""Spiders: `portals` (generic, registry-driven) built from the platform bases in `base/`."""
