// Live updates over server-sent events; the pages work without this script, only less fresh.
"use strict";

function liveQueue(table) {
  const rows = document.getElementById("queue-rows");
  const count = document.getElementById("queue-count");
  const state = document.getElementById("live-state");
  const source = new EventSource(table.dataset.live);
  source.addEventListener("queue", (event) => {
    const update = JSON.parse(event.data);
    // Rendered and escaped by the server's templates, the same markup as the first page load.
    rows.innerHTML = update.html;
    count.textContent = String(update.count);
    table.dataset.updated = String(Date.now());
  });
  source.addEventListener("open", () => { state.textContent = "Live: new items appear here on their own."; });
  source.addEventListener("error", () => { state.textContent = "Reconnecting…"; });
}

function liveItem(item) {
  const source = new EventSource(item.dataset.live);
  source.addEventListener("status", (event) => {
    const update = JSON.parse(event.data);
    if (update.status && update.status !== item.dataset.status) {
      // Decided elsewhere (Slack, another reviewer), executed or expired: show the new state.
      source.close();
      window.location.reload();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector("table.queue[data-live]");
  if (table) liveQueue(table);
  const item = document.querySelector("article.item[data-live]");
  if (item) liveItem(item);
});
