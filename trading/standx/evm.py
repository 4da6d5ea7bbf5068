"""eth-account, imported without the recursion limit its import leaves behind.

py_ecc, which eth-account imports, sets Python's recursion limit to 100,000 for the whole
process. Past a few tens of thousands of frames the C stack overflows first, so a recursion
that Python would have stopped with RecursionError (json parsing deeply nested text, say)
crashes the process instead: one request could kill runbot with every bot in it. What we use
(EIP-191 signing and recovery through eth-keys) recurses a few hundred frames at most, so the
limit goes back to what it was. Import eth-account from here only.
"""

from __future__ import annotations

import sys

_limit = sys.getrecursionlimit()

from eth_account import Account as EthAccount  # noqa: E402
from eth_account.messages import encode_defunct  # noqa: E402
from eth_account.signers.local import LocalAccount  # noqa: E402
from eth_keys.exceptions import BadSignature  # noqa: E402

sys.setrecursionlimit(_limit)

__all__ = ["BadSignature", "EthAccount", "LocalAccount", "encode_defunct"]
