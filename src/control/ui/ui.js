// feishu-mock inspector: live journal, copy-as-curl, and the control buttons. Every action
// calls the control plane's own routes; nothing is loaded from outside the emulator.
"use strict";

function fillOrigins(root) {
  root.querySelectorAll("pre.curl code").forEach(function (c) {
    if (c.dataset.filled) return;
    c.textContent = c.textContent.split("ORIGIN").join(location.origin);
    c.dataset.filled = "1";
  });
}

function copyText(text, button) {
  var done = function () {
    var old = button.textContent;
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = old; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
  } else {
    fallbackCopy(text);
    done();
  }
}

function fallbackCopy(text) {
  var t = document.createElement("textarea");
  t.value = text;
  t.setAttribute("readonly", "");
  t.style.position = "absolute";
  t.style.left = "-9999px";
  document.body.appendChild(t);
  t.select();
  try { document.execCommand("copy"); } catch (e) { /* nothing to do */ }
  document.body.removeChild(t);
}

document.addEventListener("click", function (ev) {
  var b = ev.target.closest("button.copy");
  if (b) {
    var code = b.parentElement.querySelector("pre.curl code");
    if (code) copyText(code.textContent, b);
  }
});

// Live journal: fetch the entries with the page's own query and swap them in when they
// changed, keeping open entries open and focus where it was.
function startPolling() {
  var box = document.getElementById("entries");
  if (!box) return;
  var live = document.getElementById("live");
  var url = box.dataset.poll + location.search;
  var last = null;
  function tick() {
    if (live && !live.checked) return;
    fetch(url, { cache: "no-store" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null || html === last) return;
      if (last === null) { last = html; if (box.innerHTML.trim() === html.trim()) return; }
      last = html;
      var open = {};
      box.querySelectorAll("details[open]").forEach(function (d) { open[d.dataset.key] = true; });
      var focused = document.activeElement && box.contains(document.activeElement)
        ? document.activeElement.closest("details") : null;
      var focusKey = focused ? focused.dataset.key : null;
      box.innerHTML = html;
      box.querySelectorAll("details").forEach(function (d) {
        if (open[d.dataset.key]) d.open = true;
        if (focusKey && d.dataset.key === focusKey) d.querySelector("summary").focus();
      });
      fillOrigins(box);
      box.dataset.refreshed = String(Date.now());
    }).catch(function () { /* the emulator may be restarting */ });
  }
  setInterval(tick, 2000);
  tick();
}

function say(text) {
  var s = document.getElementById("action-status");
  if (s) s.textContent = text;
}

function call(method, path, body) {
  var opts = { method: method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  return fetch(path, opts).then(function (r) {
    return r.json().then(function (j) {
      if (!r.ok) throw new Error(j.error || ("HTTP " + r.status));
      return j;
    });
  });
}

function afterAction(message) {
  say(message);
  setTimeout(function () { location.reload(); }, 600);
}

document.addEventListener("click", function (ev) {
  var b = ev.target.closest("button[data-action]");
  if (!b || b.type === "submit") return;
  var action = b.dataset.action;
  if (action === "reset") {
    if (!confirm("Reset the emulator to its start-up world?")) return;
    call("POST", "/__mock/reset").then(function () { afterAction("Emulator reset."); },
      function (e) { say("Reset failed: " + e.message); });
  } else if (action === "clear-faults") {
    call("DELETE", "/__mock/faults").then(function () { afterAction("Fault rules cleared."); },
      function (e) { say("Clearing faults failed: " + e.message); });
  }
});

document.addEventListener("submit", function (ev) {
  if (ev.target.id !== "advance-clock") return;
  ev.preventDefault();
  var secs = Number(document.getElementById("advance-seconds").value);
  call("POST", "/__mock/clock", { advance_seconds: secs }).then(function (j) {
    afterAction("Clock advanced by " + secs + " s (now_ms " + j.now_ms + ").");
  }, function (e) { say("Advancing the clock failed: " + e.message); });
});

document.addEventListener("DOMContentLoaded", function () {
  fillOrigins(document);
  startPolling();
});
