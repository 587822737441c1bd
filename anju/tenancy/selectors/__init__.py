"""Read-side queries of the tenancy app: lists, ledgers and reports."""
