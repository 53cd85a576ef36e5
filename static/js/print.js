// A button with data-print opens the browser's print dialog (the page has a print stylesheet).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
})();
