"""An optional reference venue's public price stream (Binance USD-M futures bookTicker or
Hyperliquid allMids) for the reference guard (issue 23): symbols and URLs (`venues`), pure
message parsing (`frames`) and the reconnecting websocket feed (`feed`)."""
