"""The computed indicators, one module per party kind; `base` holds their shape and
the registry. The app imports every module at start-up, so each registers itself."""
