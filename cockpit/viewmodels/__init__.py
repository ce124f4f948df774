"""View models: engine and store data shaped as the screens read them (reports, progress, forms)."""
