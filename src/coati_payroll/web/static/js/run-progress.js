/* Coati Payroll: the live progress of a payroll run's calculation (runs/detail.html).

   Markup: <section id="run-progress" data-progress-url="…/runs/7/progress"
                    data-run-status="calculating"> with <progress id="run-progress-bar">,
   <p id="run-progress-text">, <ul id="run-progress-log"> and <ul id="run-progress-failures">.

   While the run is calculating, the JSON progress endpoint is polled every second:
   {status, mode, finished, total, done, failed, percent, error,
    failed_employees: [{code, name, reason}], events: [{at, level, code, message}]}.
   The bar, the text and the activity log are updated; when the calculation
   has finished, the page reloads to show the results. No inline script (CSP).
*/
(function () {
  "use strict";

  var INTERVAL_MS = 1000;
  var section = document.getElementById("run-progress");
  if (!section) {
    return;
  }
  var url = section.getAttribute("data-progress-url");
  var bar = document.getElementById("run-progress-bar");
  var text = document.getElementById("run-progress-text");
  var log = document.getElementById("run-progress-log");
  var failures = document.getElementById("run-progress-failures");

  function replaceItems(list, items) {
    if (!list) {
      return;
    }
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item;
      list.appendChild(li);
    });
  }

  function show(data) {
    section.setAttribute("data-run-status", data.status);
    section.setAttribute("data-percent", String(data.percent));
    if (bar) {
      bar.max = data.total > 0 ? data.total : 1;
      bar.value = data.done;
      bar.textContent = data.percent + "%";
    }
    if (text) {
      text.textContent = data.done + " / " + data.total + " " +
        (text.getAttribute("data-label-done") || "") + " (" + data.percent + "%), " +
        data.failed + " " + (text.getAttribute("data-label-failed") || "");
    }
    replaceItems(log, (data.events || []).map(function (event) {
      return typeof event === "string" ? event : (event.message || JSON.stringify(event));
    }));
    replaceItems(failures, (data.failed_employees || []).map(function (failure) {
      return (failure.code || "") + " " + (failure.name || "") + ": " + (failure.reason || "");
    }));
  }

  function poll() {
    window.fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("progress " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, INTERVAL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(poll, INTERVAL_MS * 3);
      });
  }

  if (section.getAttribute("data-run-status") === "calculating" && url) {
    section.hidden = false;
    window.setTimeout(poll, INTERVAL_MS);
  }
})();
