// The case page's list of attempts per channel (<details data-latest>) is open when the latest attempt
// failed or was lost, closed otherwise. The live region is replaced whenever the poll brings something
// new: a list the reader opened or closed stays as they left it, until a newer attempt of that channel
// arrives (then the page's choice applies again). Loaded with the CSP nonce; no inline script.
(function () {
  "use strict";
  if (window.supportdeskCaseAttempts) {
    return;
  }
  window.supportdeskCaseAttempts = true;
  var chosen = {};

  document.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest("details[data-latest] > summary");
    if (!summary) {
      return;
    }
    var details = summary.parentElement;
    // The click toggles after this handler: record the state it leads to.
    chosen[details.id] = { open: !details.open, latest: details.getAttribute("data-latest") };
  });

  document.addEventListener("htmx:afterSwap", function () {
    Object.keys(chosen).forEach(function (id) {
      var details = document.getElementById(id);
      if (!details || details.getAttribute("data-latest") !== chosen[id].latest) {
        delete chosen[id];
        return;
      }
      details.open = chosen[id].open;
    });
  });
})();
