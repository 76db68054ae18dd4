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
    document.getElementById("queue-alerts").innerHTML = update.alerts;
    escalations(update.escalations);
    table.dataset.updated = String(Date.now());
  });
  source.addEventListener("open", () => { state.textContent = "Live: new items appear here on their own."; });
  source.addEventListener("error", () => { state.textContent = "Reconnecting…"; });
}

// The number of escalations waiting for a person, in the queue's hint and the nav's badge.
function escalations(waiting) {
  const hint = document.querySelector("#queue-escalations a");
  if (hint) hint.textContent = `Handed to a person: ${waiting}`;
  const link = document.querySelector('nav a[href="/console/escalations"]');
  let badge = document.getElementById("nav-escalations");
  if (waiting === 0 || !link) {
    if (badge) badge.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement("span");
    badge.className = "count";
    badge.id = "nav-escalations";
    link.append(" ", badge);
  }
  badge.textContent = String(waiting);
}

function liveItem(item) {
  const source = new EventSource(item.dataset.live);
  // The reviewer's own decision changes the status too: a reload then would cancel the form's
  // request, and with it the answer that shows the outcome and moves on to the next item.
  document.addEventListener("submit", () => source.close());
  source.addEventListener("status", (event) => {
    const update = JSON.parse(event.data);
    if (update.status && update.status !== item.dataset.status) {
      // Decided elsewhere (Slack, another reviewer), executed or expired: show the new state.
      source.close();
      window.location.reload();
    }
  });
}

function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function follow(selector) {
  const link = document.querySelector(selector);
  if (link) window.location.assign(link.href);
}

// j/k move through the queue, a/r/e decide, ? explains; all of them are plain links and buttons.
function itemShortcuts() {
  const help = document.getElementById("help");
  const show = document.getElementById("show-help");
  if (show && help) show.addEventListener("click", () => help.showModal());
  const keys = {
    j: () => follow("a[rel=next]"),
    k: () => follow("a[rel=prev]"),
    a: () => document.getElementById("approve")?.click(),
    r: () => document.getElementById("reason")?.focus(),
    e: () => document.querySelector("[id^=edit-]:not(#edit-approve):not(#edit-confirmed)")?.focus(),
    "?": () => (help.open ? help.close() : help.showModal()),
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const action = keys[event.key];
    if (!action || (help.open && event.key !== "?")) return;
    event.preventDefault();
    action();
  });
  // Tells anyone driving the page (people wait for nothing; tests do) that the keys work now.
  document.documentElement.dataset.shortcuts = "ready";
}

// A click anywhere on a row opens its item, as the row's own link does.
function clickableRows() {
  document.addEventListener("click", (event) => {
    const row = event.target instanceof Element ? event.target.closest("tr[data-href]") : null;
    if (!row || event.target.closest("a, button, input, select, textarea")) return;
    window.location.assign(row.dataset.href);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector("table.queue[data-live]");
  if (table) liveQueue(table);
  const item = document.querySelector("article.item[data-live]");
  if (item) {
    liveItem(item);
    itemShortcuts();
  }
  clickableRows();
});
