/* Coati Payroll: small progressive enhancements. No inline scripts anywhere (the CSP forbids
   them): behaviour is attached here through data-* attributes.

   data-confirm="Text"   on a submit button or link: asks before going on.
   data-autosubmit       on a select: submits its form when the choice changes.
   .js-hidden            elements hidden once this script runs (their job is done by JS).
*/
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  /* Forms: stop double submission (a second click while the first request runs). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    window.setTimeout(function () { form.dataset.submitted = ""; }, 5000);
  });
})();
