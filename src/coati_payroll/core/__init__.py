"""The pure calculation core. See README.md in this folder for the boundary rule."""
