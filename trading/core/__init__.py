"""The pure core: value objects, quoting, decisions, uptime arithmetic and the order
tracker. No Django, no I/O, no clock reads: `now` is always passed in."""
