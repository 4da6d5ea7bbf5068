"""The symbols a bot may quote. Plain data, imported by the settings (before Django's apps
load) and by the models, forms and API: one list, so a symbol the settings accept is one the
row accepts too. The exchange's own list is checked at startup (trading.fleet.runner)."""

KNOWN_SYMBOLS = ("BTC-USD", "ETH-USD", "XAU-USD", "XAG-USD")
