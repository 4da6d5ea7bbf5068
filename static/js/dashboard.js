// Live-page helpers shared by the bot page and the overview; htmx's ws extension does the
// updating and reconnects by itself (with backoff). This file only reads its events.
(function () {
  var conn = document.getElementById("conn"), live = document.getElementById("live");
  if (!conn || !live) return;
  var lastFrame = 0;
  function show(state) { conn.dataset.state = state; }
  live.addEventListener("htmx:wsConnecting", function () { show(lastFrame ? "reconnecting" : "connecting"); });
  live.addEventListener("htmx:wsOpen", function () { show("live"); });
  live.addEventListener("htmx:wsClose", function () { show("reconnecting"); });
  live.addEventListener("htmx:wsAfterMessage", function () { lastFrame = Date.now(); show("live"); });

  // A compact duration, as the `age` template filter writes it.
  function age(s) {
    if (s < 10) return Math.max(s, 0).toFixed(1) + "s";
    if (s < 60) return Math.round(s) + "s";
    function two(n) { return (n < 10 ? "0" : "") + n; }
    if (s < 3600) return Math.floor(s / 60) + "m " + two(Math.floor(s % 60)) + "s";
    return Math.floor(s / 3600) + "h " + two(Math.floor(s % 3600 / 60)) + "m";
  }

  setInterval(function () {
    // An open socket with no frame for 5 s: the server is up but nothing publishes.
    if (conn.dataset.state === "live" && lastFrame && Date.now() - lastFrame > 5000) show("quiet");
    // Overview rows: a bot whose engine stopped reporting gets no new row, so its age would
    // freeze at the last frame; count it on here instead.
    document.querySelectorAll("[data-updated-at]").forEach(function (cell) {
      var seconds = (Date.now() - Date.parse(cell.dataset.updatedAt)) / 1000;
      cell.textContent = age(seconds);
      cell.classList.toggle("warn", seconds > 5);
    });
  }, 1000);
})();
