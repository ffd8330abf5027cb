/* Coati Payroll: the lines of a row of the run review (runs/review.html), loaded on demand.

   Markup: <details class="review-lines" data-lines-url="…/runs/7/review/12/lines"
                    data-error="(message shown when loading fails)">
             <summary>…</summary><div class="review-lines-body">(a link to the payslip)</div>
           </details>
   The first time a details element is opened, its HTML fragment (GET, same session) replaces
   the body; the element then gets data-loaded="yes" (the browser tests wait for it). When
   loading fails the body shows the data-error text and the next opening tries again.
   No inline script (CSP).
*/
(function () {
  "use strict";

  function load(details) {
    var body = details.querySelector(".review-lines-body");
    if (!body || !details.open || details.hasAttribute("data-loaded")) {
      return;
    }
    details.setAttribute("data-loaded", "loading");
    fetch(details.getAttribute("data-lines-url"), {
      credentials: "same-origin",
      headers: {"Accept": "text/html"}
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.text();
    }).then(function (html) {
      var fragment = new DOMParser().parseFromString(html, "text/html");
      body.replaceChildren.apply(body, Array.prototype.slice.call(fragment.body.childNodes));
      details.setAttribute("data-loaded", "yes");
    }).catch(function () {
      body.textContent = details.getAttribute("data-error") || "";
      details.removeAttribute("data-loaded");
    });
  }

  document.querySelectorAll("details.review-lines[data-lines-url]").forEach(function (details) {
    details.addEventListener("toggle", function () {
      load(details);
    });
  });
})();
