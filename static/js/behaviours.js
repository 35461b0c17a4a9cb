/* Behaviours declared in the markup with data attributes, so that no page needs inline
   script (the Content-Security-Policy forbids it). Delegated, so htmx-swapped content
   gets them too.
   - data-confirm="Question ?" on a submit button or a form: asks before submitting.
   - data-autosubmit on a field: submits its form when the value changes.
   - data-back on a hidden link: shown when there is a page to go back to, and goes back. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm], input[type=submit][data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    if (event.target.closest("a[data-back]")) {
      event.preventDefault();
      window.history.back();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (window.history.length > 1) {
      document.querySelectorAll("a[data-back]").forEach(function (link) { link.hidden = false; });
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      field.form.requestSubmit();
    }
  });
})();
