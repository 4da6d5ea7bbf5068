"""`python manage.py recordmarket --symbol BTC-USD --minutes 60 --out FILE`: StandX's public
market for one symbol, recorded for `runsim --replay FILE` (trading/marketdata/recorder.py).

It reads STANDX_API_BASE and STANDX_WS_URL, as live and paper mode do, and needs no
credentials: public streams and public REST only."""

from __future__ import annotations

import asyncio
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trading.core.bot_settings import KNOWN_SYMBOLS
from trading.marketdata.live import MarketDataError
from trading.marketdata.recorder import Plan, record
from trading.marketdata.recording import RecordingError


class Command(BaseCommand):
    help = (
        "Record StandX's public market (depth_book, price, public_trade with their arrival "
        "times, and REST snapshots) for one symbol into a gzip JSON-lines file that "
        "`runsim --replay FILE` plays back. Running it again on the same file resumes it, "
        "marking the time between as a gap. Reads STANDX_API_BASE and STANDX_WS_URL; no "
        "credentials."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--symbol", default="BTC-USD", help="the symbol (default BTC-USD)")
        parser.add_argument(
            "--minutes", type=float, required=True, help="how long (a fraction is fine: 0.5)"
        )
        parser.add_argument("--out", required=True, help="the recording (.jsonl.gz)")
        parser.add_argument(
            "--max-mb",
            type=float,
            default=200.0,
            help="stop when the file reaches this size, in MB (default 200; an hour of "
            "BTC-USD is a few MB)",
        )

    def handle(self, *args, symbol: str, minutes: float, out: str, max_mb: float, **opts):
        if symbol not in KNOWN_SYMBOLS:
            raise CommandError(f"--symbol {symbol!r}: choose one of {', '.join(KNOWN_SYMBOLS)}")
        if not minutes > 0:
            raise CommandError(f"--minutes must be above 0, not {minutes:g}")
        if not max_mb > 0:
            raise CommandError(f"--max-mb must be above 0, not {max_mb:g}")
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"--out {out}: the folder {path.parent} does not exist")
        plan = Plan(
            symbol,
            minutes,
            path,
            int(max_mb * 1e6),
            settings.STANDX_API_BASE,
            settings.STANDX_WS_URL,
            timeout=float(settings.HTTP_TIMEOUT_SECONDS),
            stale_after=float(settings.FEED_STALE_SECONDS),
        )
        self.stdout.write(
            f"recording {symbol} from {plan.api_base} and {plan.ws_url} for {minutes:g} min "
            f"to {path} (at most {max_mb:g} MB)"
        )
        try:
            line = asyncio.run(record(plan, self._say))
        except (MarketDataError, RecordingError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(line)

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
