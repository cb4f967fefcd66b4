// Browser notifications for new Prio 1 cases and acknowledgements while the app is open.
// Load with: <script src="{% static 'js/prio1-notify.js' %}" nonce="{{ csp_nonce }}"
//   data-poll-url="{% url 'escalation:poll' %}" defer></script>
// Polls GET <poll-url>?since=<event id> every 5 s. No inline code: works under the strict CSP.
(function () {
  "use strict";
  if (window.supportdeskPrio1Notify) {
    return; // loaded twice (base.html and a page): one poller is enough
  }
  window.supportdeskPrio1Notify = true;

  var script = document.currentScript;
  var pollUrl = script && script.dataset.pollUrl;
  if (!pollUrl || !window.fetch) {
    return;
  }
  var INTERVAL_MS = 5000;
  var KEY = "supportdesk.prio1.cursor";
  var supported = "Notification" in window;

  function readCursor() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (e) {
      return null;
    }
  }

  function writeCursor(value) {
    try {
      window.localStorage.setItem(KEY, String(value));
    } catch (e) {
      // private mode: the cursor lives in this page only
    }
  }

  var cursor = readCursor();

  function show(event) {
    if (!supported || Notification.permission !== "granted") {
      return;
    }
    // The tag collapses the same event shown by several open tabs into one notification.
    var note = new Notification(event.title, {
      body: event.body,
      tag: "prio1-" + event.id,
      requireInteraction: event.kind === "started",
    });
    note.onclick = function () {
      window.focus();
      window.location.assign(event.url);
      note.close();
    };
  }

  function poll() {
    var url = pollUrl + (cursor ? "?since=" + encodeURIComponent(cursor) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("poll " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        (data.events || []).forEach(show);
        var stored = Number(readCursor() || 0);
        cursor = String(Math.max(Number(data.cursor || 0), Number(cursor || 0), stored));
        writeCursor(cursor);
      })
      .catch(function () {
        // offline or signed out: try again at the next tick
      })
      .finally(function () {
        window.setTimeout(poll, INTERVAL_MS);
      });
  }

  function setUpButton() {
    var button = document.getElementById("prio1-notify-permission");
    if (!button || !supported) {
      return;
    }
    button.hidden = Notification.permission !== "default";
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function () {
        button.hidden = Notification.permission !== "default";
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpButton);
  } else {
    setUpButton();
  }
  poll();
})();
