// Download or copy a results table as CSV, in the browser: the results are not sent anywhere.
// A button with data-audit-url first tells the server how it exports and how many rows (an audited
// export, as every export is) and makes the file only once the server has recorded it.
(function () {
  "use strict";

  // Cells that a spreadsheet would run as a formula get a leading apostrophe, except a valid
  // number in the system-made "e164" column, as in the screenings' CSV (directory/exports.py).
  var E164 = /^\+[0-9]{1,19}$/;

  function escapeFormula(text) {
    return /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
  }

  function csvCell(text, isE164Column) {
    var safe = isE164Column && E164.test(text) ? text : escapeFormula(text);
    return /[",\n\r]/.test(safe) ? '"' + safe.replace(/"/g, '""') + '"' : safe;
  }

  function tableToCsv(table) {
    var headings = Array.prototype.map.call(table.rows[0].cells, function (cell) { return cell.textContent.trim(); });
    var e164Column = headings.indexOf("e164");
    return Array.prototype.map.call(table.rows, function (row, rowIndex) {
      return Array.prototype.map.call(row.cells, function (cell, index) {
        // A cell shows words and dates for people; data-csv keeps the value the export writes.
        var value = cell.hasAttribute("data-csv") ? cell.getAttribute("data-csv") : cell.textContent.trim();
        return csvCell(value, rowIndex > 0 && index === e164Column);
      }).join(",");
    }).join("\r\n") + "\r\n";
  }

  function recordExport(button, how, table) {
    var url = button.getAttribute("data-audit-url");
    if (!url) { return Promise.resolve(); }
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var body = new URLSearchParams({ how: how, rows: String(table.tBodies[0].rows.length) });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("not recorded"); }
    });
  }

  function download(button, csv) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
    link.download = button.getAttribute("data-filename") || "results.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-download-table], [data-copy-table]");
    if (!button) { return; }
    var copying = button.hasAttribute("data-copy-table");
    var table = document.getElementById(button.getAttribute(copying ? "data-copy-table" : "data-download-table"));
    var csv = tableToCsv(table);
    recordExport(button, copying ? "copy" : "download", table).then(function () {
      if (copying) {
        return navigator.clipboard.writeText(csv).then(function () { button.textContent = "Copied"; });
      }
      download(button, csv);
    }).catch(function () {
      button.textContent = "Not exported: try again";
    });
  });
})();
