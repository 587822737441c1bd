"""The tenant portal's pages, one module per part of a family's path: signing up,
applying, following the application and the waiting list, and the home of a household
that has moved in. Every lookup starts from the signed-in account's own household
(anju.portal.access)."""
