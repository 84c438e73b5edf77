// accessproof console: the only script. Pages work without it; it submits the filter form when a
// select changes (the Apply button does the same without JavaScript).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { if (select.form) { select.form.submit(); } });
  });
});
