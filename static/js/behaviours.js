/* Behaviours declared in the markup with data attributes, so that no page needs inline
   script (the Content-Security-Policy forbids it). Delegated, so htmx-swapped content
   gets them too.
   - data-confirm="Question ?" on a submit button or a form: asks before submitting.
   - data-autosubmit on a field: submits its form when the value changes.
   - data-back on a hidden link: shown when there is a page to go back to, and goes back.
   - data-drop-empty on a GET form: its empty fields are left out of the URL, whether the
     browser or htmx submits it (the server redirects such URLs anyway). */
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

  function dropEmpty(formData) {
    var kept = [];
    var names = [];
    formData.forEach(function (value, name) {
      if (names.indexOf(name) < 0) { names.push(name); }
      if (value !== "") { kept.push([name, value]); }
    });
    names.forEach(function (name) { formData.delete(name); });
    kept.forEach(function (entry) { formData.append(entry[0], entry[1]); });
  }

  // A plain submit builds its data through the "formdata" event: drop the empty fields there.
  document.addEventListener("formdata", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-drop-empty]") && (form.method || "get").toLowerCase() === "get") {
      dropEmpty(event.formData);
    }
  }, true);

  // htmx builds its own request: drop them before it becomes the URL.
  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    var source = detail.elt && detail.elt.closest && detail.elt.closest("form[data-drop-empty]");
    if (!source || String(detail.verb).toLowerCase() !== "get") { return; }
    if (detail.formData && detail.formData.forEach) {
      dropEmpty(detail.formData);
    } else if (detail.parameters) {
      Object.keys(detail.parameters).forEach(function (name) {
        if (detail.parameters[name] === "") { delete detail.parameters[name]; }
      });
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      field.form.requestSubmit();
    }
  });
})();
