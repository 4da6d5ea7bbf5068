// Live-page helpers shared by the bot page and the overview; htmx's ws extension does the
// updating and reconnects by itself (with backoff). This file only reads its events, counts
// ages on and makes a page whose bots stopped reporting look stale.
(function () {
  // Engines publish every second; past this a bot is stale (trading.core.thresholds, set on
  // this script's tag).
  var STALE_AFTER_S = parseFloat(document.currentScript.dataset.staleAfterS);
  var conn = document.getElementById("conn"), live = document.getElementById("live");
  if (!conn || !live) return;
  var banner = document.getElementById("stale-banner");
  var lastFrame = 0;
  function show(state) { conn.dataset.state = state; }
  live.addEventListener("htmx:wsConnecting", function () { show(lastFrame ? "reconnecting" : "connecting"); });
  live.addEventListener("htmx:wsOpen", function () { show("live"); });
  live.addEventListener("htmx:wsClose", function () { show("reconnecting"); tick(); });
  live.addEventListener("htmx:wsAfterMessage", function () { lastFrame = Date.now(); show("live"); tick(); });

  // A compact duration, as the `age` template filter writes it.
  function age(s) {
    if (s < 10) return Math.max(s, 0).toFixed(1) + "s";
    if (s < 60) return Math.round(s) + "s";
    function two(n) { return (n < 10 ? "0" : "") + n; }
    if (s < 3600) return Math.floor(s / 60) + "m " + two(Math.floor(s % 60)) + "s";
    return Math.floor(s / 3600) + "h " + two(Math.floor(s % 3600 / 60)) + "m";
  }

  // An element carrying data-age-s was rendered that many seconds after its snapshot; it
  // ages on from the moment it reached this page (so the browser's clock never matters). A
  // dead engine sends no more frames and a dropped socket none either: both make it count up.
  function ageOf(el) {
    if (!el._arrived) el._arrived = Date.now();
    return parseFloat(el.dataset.ageS) + (Date.now() - el._arrived) / 1000;
  }

  function tick() {
    // An open socket with no frame for as long: the server is up but nothing publishes.
    if (conn.dataset.state === "live" && lastFrame && Date.now() - lastFrame > STALE_AFTER_S * 1000) show("quiet");
    var stale = [], oldest = 0;
    document.querySelectorAll("[data-age-s]").forEach(function (el) {
      var seconds = ageOf(el), scope = el.closest("[data-stale-scope], tr.bot-row") || el;
      var isStale = seconds > STALE_AFTER_S;
      el.textContent = age(seconds) + (el.dataset.ageSuffix || "");
      el.classList.toggle("warn", isStale);
      scope.classList.toggle("stale", isStale);
      if (isStale) { stale.push(scope.dataset.bot || "?"); oldest = Math.max(oldest, seconds); }
    });
    if (!banner) return;
    banner.hidden = stale.length === 0;
    if (!stale.length) return;
    var down = conn.dataset.state === "reconnecting";
    banner.querySelector("[data-field=stale-text]").textContent =
      "No update from " + stale.join(", ") + " for " + Math.floor(oldest) + " s: " +
      (stale.length > 1 ? "their bot process may have stopped" : "the bot process may have stopped") +
      (down ? " (the connection to this server is down too)" : "") +
      ". What you see is the last known state, not the present.";
  }

  tick();
  setInterval(tick, 1000);
})();
