/* Coati Payroll: the new payroll run form (runs/new.html). When another payroll definition is
   chosen, its suggested next period (the option's data-start / data-end) fills the period
   and payment date fields, unless the user has typed dates of their own. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-run-form]");
  if (!form) {
    return;
  }
  var select = form.querySelector("select[name='definition_id']");
  var start = form.querySelector("input[name='period_start']");
  var end = form.querySelector("input[name='period_end']");
  var payment = form.querySelector("input[name='payment_date']");
  var edited = false;

  [start, end, payment].forEach(function (input) {
    if (input) {
      input.addEventListener("input", function () { edited = true; });
    }
  });

  if (select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (!option || edited) {
        return;
      }
      if (start && option.dataset.start) { start.value = option.dataset.start; }
      if (end && option.dataset.end) { end.value = option.dataset.end; }
      if (payment && option.dataset.end) { payment.value = option.dataset.end; }
    });
  }
})();
