"""StandX-compatible exchange simulator: a real HTTP + WebSocket server on loopback.

Public API
    SimServer (runner.py): start/stop/serve_forever, api_base, ws_stream_url, ws_api_url,
        exchange, create_account(balance) -> SimAccount(token, private_key, address, user).
    Exchange (exchange.py): market (set_mid, set_mark, freeze, unfreeze, set_volatility),
        set_faults(config=None, **changes), stats(user), uptime(user, symbol),
        issue_token(user, ttl_s), create_account(balance).
    FaultConfig (faults.py), SimConfig (config.py).
    Scenarios (scenarios.py): SCENARIOS calm / volatile / harsh (runsim --scenario),
        mark_path, volatility_bps_per_sqrt_s, mark_lag_seconds (pure measurements).
    HTTP extras: POST /sim/accounts, GET /sim/stats (ground truth per symbol with the
        counted size, order lifetimes and hourly rows; "requests": the account's requests
        by path; "ws": connections per IP),
        GET /sim/orders (the account's live orders, ground truth; ?since=<unix s>: every
        order created since, any status, with created_at/updated_at), GET /sim/injected
        (faults really injected, by kind), GET|POST /sim/faults, POST /sim/market,
        GET /api/maker/uptime, GET /v1/region.
    Restart: with SimConfig.state_file (runsim --state-file) accounts, the JWT secret and
        prices survive; open orders, ground truth and faults do not (state.py).

Choices where the protocol (docs/standx-protocol.md) is silent
    - Timestamps: x-request-timestamp must be Unix ms within +/- SimConfig.timestamp_window_s
      (default 60 s) of the server's wall clock, else 403 "request expired" (a client falling
      back to seconds is therefore rejected). x-request-id is not checked for replay.
    - Missing signature headers on a write: 403 "invalid body signature: missing ...".
      GETs are never signature-checked (signed or not, both work).
    - request_id in REST acks echoes x-request-id when sent, else a fresh UUID; async
      results routed by x-session-id carry that same request_id.
    - ALO that would cross (against the displayed book: synthetic levels plus every
      account's resting orders): REST answers code 0, then the order channel shows
      status "rejected" and the ws-api session (if any) gets {"code":400,"message":
      "alo order rejected","request_id":...}. Success results go to the session when the
      order rests (or is canceled), not at submission.
    - Synchronous 400s (no state change): schema/tick/lot/min/max/leverage/band errors,
      "insufficient margin" (margin = qty*price/leverage locked by every live order,
      pending ones included), "max open orders reached (N)", duplicate live cl_ord_id,
      reduce-only that would not reduce, cancel of an unknown order ("order not found")
      or of a closed one ("order is not open (status ...)"). cancel_orders skips unknown ids.
    - Orders are invisible to query_open_orders until they rest (after the ack latency);
      query_order shows them with status "new" meanwhile.
    - Fills: a resting buy fills completely when the mid reaches or passes below its price
      (sell: above), at its own price with the maker fee; synthetic takers at the touch fill
      resting orders at or inside it partially. Accounts never trade with each other.
      Market/crossing GTC/IOC orders take at the synthetic best price with the taker fee.
    - set_mid snaps the mark to the mid (unless a mark is given) so scripted scenarios
      are exact; the random walk makes the mark lag the mid with a little noise.
    - Ground truth uses SimConfig.clock (injectable). Intervals start when an order really
      rests and end when it leaves the book; the band is re-evaluated at every mark change
      and order event, so in_band_seconds is exact (not sampled). /api/maker/uptime reports
      BTC-USD by default (?symbol= for others): uptime_pct = in_band/3600, tier boosted
      >= 42 min, standard >= 30 min; the counted size (min of the in-band sides' base qty,
      2 BTC cap a side on BTC-USD, other symbols uncapped) time-weighted, and X70/X50 of
      SimConfig.uptime_snapshots_per_hour random moments per hour (seeded by seed and hour,
      the same moments for every account; a moment without quotes counts 0). And the
      Maker Hours of SimConfig.reward_schedule (runsim --reward-schedule, default sip5a):
      the figure (min of the sides' proximity-weighted, capped size of orders past the
      minimum rest) integrated exactly, split where it changes by itself (an order reaching
      the minimum rest, a session edge), its qualifying seconds and tier, maker_hours =
      eligible_hour per hour and total_eligible_hours.
    - Rate limits count /api requests (not /api/health's account bucket, not /sim/*);
      ws-api orders are not rate limited. Faults (5xx, hang, 429 burst) hit /api only,
      never /api/health, /v1/region or /sim/*.
    - Wallet login (wallet_login.py, bsc only): prepare-signin answers an HS256 signedData
      (180 s, usable once); login recovers the EIP-191 signer with eth-account and issues a
      token bound to the requestId key; a wallet's first login opens a funded account.
      POST /sim/accounts remains the shortcut.
    - change_leverage / change_margin_mode (rest_position.py): leverage 1..max_leverage of
      the symbol (SimConfig.max_leverage, runsim --max-leverage; default 20), margin_mode
      cross|isolated; neither while orders are open on the symbol, the mode not while a
      position is; margin arithmetic is cross in both modes.
    - Every error, 404 (unknown path) and 405 (wrong method, with Allow) included, is
      {"code": N, "message": ...} with HTTP status N; an unhandled error is 500 the same way.
    - Traffic log (traffic.py, runsim --log-requests FILE): one JSON line per HTTP request
      and per non-market WebSocket frame; /sim/stats "requests.rejections" counts each
      account's rejections by reason (requests.py).
    - WS: protocol pings by uvicorn every ping_interval (10 s), closed when no pong within
      pong_timeout (300 s); max lifetime closes with 1000 "max connection lifetime reached";
      the drop fault closes with 1011; a client whose queue overflows is closed with 1008.
    - WS limits (docs/standx-protocol.md §4.1, §6) per client IP, /ws-stream/v1 and /ws-api/v1
      counted together: at most SimConfig.max_ws_per_ip (10) open and max_new_ws_per_minute (30)
      admitted in any sliding 60 s (runsim --max-ws-per-ip / --max-new-ws-per-minute;
      0 = unlimited; set at start, like the REST limits). A refused handshake gets HTTP 429
      {"code":429,"message":"too many websocket connections from this IP (max 10)"} or
      "... too many new websocket connections from this IP (max 30 per minute)". Only
      admitted connections use up the window. GET /sim/stats has them under "ws" (open and
      peak connections per IP, refusals by limit and by IP), simulator-wide (wslimits.py).
"""
