// Moves the screening's progress bar while the job runs; reloads the page when it ends.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var words = { queued: "Queued", running: "Running", done: "Done", failed: "Failed" };
  function count(value) { return value === null ? "…" : value.toLocaleString("en-US"); }
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.value = state.percent;
        bar.textContent = state.percent + "%";
        text.textContent = (words[state.status] || state.status) + ": " + count(state.processed) + " of " + count(state.total) + " rows.";
        if (state.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
