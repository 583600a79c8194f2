"""Who uses Simpul: ``users`` (accounts, password hashing, the signed-in user), ``people`` (the
admin's pages for users, groups and partners), ``signin`` (throttling sign-in attempts) and
``regions`` (the Kepmendagri region table every scope check uses)."""
