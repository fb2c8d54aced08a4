/* "Export what they show" (issue 10) on every table page: a button under each data table writes exactly the rows
   on the screen as CSV (UTF-8 with a BOM, so Excel reads the Chinese). No request to any service: the page already
   has the figures, and a person gets the same cells they are reading. Form controls in a cell (lift, follow-up
   forms) are left out of the file. Tables marked data-no-export (forms laid out as tables) get no button. */
(function () {
  var script = document.currentScript;
  var label = (script && script.dataset.label) || "CSV";
  function text(cell) {
    var copy = cell.cloneNode(true);
    copy.querySelectorAll("form, input, select, textarea, button, script").forEach(function (n) { n.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }
  function quote(value) { return /[",\r\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value; }
  function csv(table) {
    return Array.prototype.map.call(table.rows, function (row) {
      return Array.prototype.map.call(row.cells, function (cell) { return quote(text(cell)); }).join(",");
    }).join("\r\n") + "\r\n";
  }
  function fileName(table, index) {
    var base = (document.title.split("·")[0] || "table").trim().replace(/[\\/:*?"<>|\s]+/g, "-");
    return base + (index ? "-" + (index + 1) : "") + ".csv";
  }
  function hasRows(table) {  // an empty list says so in one wide cell: nothing to export
    return Array.prototype.some.call(table.tBodies.length ? table.tBodies[0].rows : [], function (row) {
      return !(row.cells.length === 1 && row.cells[0].colSpan > 1);
    });
  }
  document.querySelectorAll("table.data:not([data-no-export])").forEach(function (table, index) {
    if (!hasRows(table)) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "table-export";
    button.textContent = label;
    button.addEventListener("click", function () {
      var blob = new Blob(["\ufeff" + csv(table)], { type: "text/csv;charset=utf-8" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = fileName(table, index);
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
    });
    table.insertAdjacentElement("afterend", button);
  });
})();
