"""Forms of the tenancy staff pages, one module per area; they parse input only."""
