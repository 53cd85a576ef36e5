// Destructive actions ask first. A link with data-confirm-title opens the confirmation dialog,
// whose form posts to the link's address. Without this script the link opens the same question
// on a page of its own.
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var form = document.getElementById("confirm-form");
  var title = document.getElementById("confirm-title");
  var text = document.getElementById("confirm-text");
  var button = document.getElementById("confirm-button");

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-dialog]")) {
      dialog.close();
      return;
    }
    var trigger = event.target.closest("a[data-confirm-title]");
    if (!trigger) { return; }
    event.preventDefault();
    title.textContent = trigger.getAttribute("data-confirm-title");
    text.textContent = trigger.getAttribute("data-confirm-text") || "";
    button.textContent = trigger.getAttribute("data-confirm-button") || "Confirm";
    form.action = trigger.href;
    dialog.showModal();
    dialog.querySelector("[data-close-dialog]").focus();
  });
})();
