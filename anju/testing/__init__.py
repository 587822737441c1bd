"""Test plumbing shared by the whole suite (see pytest_env)."""
