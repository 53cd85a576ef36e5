// Download or copy a results table as CSV, in the browser: the results are not sent anywhere.
(function () {
  "use strict";

  // Cells that a spreadsheet would run as a formula get a leading apostrophe.
  function escapeFormula(text) {
    return /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
  }

  function csvCell(text) {
    var safe = escapeFormula(text.trim());
    return /[",\n\r]/.test(safe) ? '"' + safe.replace(/"/g, '""') + '"' : safe;
  }

  function tableToCsv(table) {
    return Array.prototype.map.call(table.rows, function (row) {
      return Array.prototype.map.call(row.cells, function (cell) {
        // A cell shows words and dates for people; data-csv keeps the value the export writes.
        return csvCell(cell.hasAttribute("data-csv") ? cell.getAttribute("data-csv") : cell.textContent);
      }).join(",");
    }).join("\r\n") + "\r\n";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-download-table], [data-copy-table]");
    if (!button) { return; }
    var id = button.getAttribute("data-download-table") || button.getAttribute("data-copy-table");
    var csv = tableToCsv(document.getElementById(id));
    if (button.hasAttribute("data-copy-table")) {
      navigator.clipboard.writeText(csv).then(function () { button.textContent = "Copied"; });
      return;
    }
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
    link.download = button.getAttribute("data-filename") || "results.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });
})();
