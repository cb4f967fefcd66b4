// Regions that poll themselves with htmx (hx-trigger="every 30s, poll-now") and carry data-poll-visible:
// - no request while the tab is hidden, and one right away when it is shown again;
// - an answer that says nothing new is not swapped in, so focus, scroll position and screen readers
//   are left alone (the CSRF field differs in every rendering and does not count).
// Loaded from base.html with the CSP nonce; htmx filter expressions would need eval, which the CSP forbids.
(function () {
  "use strict";
  if (window.supportdeskLivePolls) {
    return;
  }
  window.supportdeskLivePolls = true;
  var last = {};

  function polled(elt) {
    return elt && elt.hasAttribute && elt.hasAttribute("data-poll-visible");
  }

  function normalised(text) {
    return (text || "").replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (document.hidden && polled(event.detail.elt)) {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.elt;
    if (!polled(elt) || !elt.id || event.detail.xhr.status !== 200) {
      return;
    }
    var text = normalised(event.detail.xhr.responseText);
    if (last[elt.id] === text) {
      event.detail.shouldSwap = false;
    }
    last[elt.id] = text;
  });

  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) {
      return;
    }
    document.querySelectorAll("[data-poll-visible]").forEach(function (elt) {
      window.htmx.trigger(elt, "poll-now");
    });
  });
})();
