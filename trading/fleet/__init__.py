"""Many bots in one process: accounts, venues (one connection per account), leases and
the runner that `runbot` calls."""
