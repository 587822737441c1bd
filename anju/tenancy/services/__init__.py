"""The rules of tenancy, one module per area. Views and the API call these."""
