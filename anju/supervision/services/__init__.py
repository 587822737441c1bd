"""The supervision app's services, one module per area: ingest, screening, tips,
inspections, violation cases, tenant points."""
