"""The cockpit: a Textual app over the engine's store and run journals (see cockpit/app.py)."""

import os

# Textual repaints on a fixed grid of 1/FPS seconds; at the default 60 a repaint waits up to 17 ms
# for its slot. Set before textual is imported (textual.constants reads it once).
os.environ.setdefault("TEXTUAL_FPS", "120")
