"""Tenancy: leases and their rent, bills, payments, arrears, renewals and the yearly
recertification."""
