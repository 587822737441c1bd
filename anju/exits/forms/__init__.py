"""Forms of the exits app, one module per area."""
