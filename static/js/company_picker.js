/* The contact form's company picker: "Créer la société « … »" creates the typed company
   without leaving the form. The server answers with the picker's options, the new company
   chosen; without JavaScript the "Créer une société" link opens the company form instead. */
(function () {
  "use strict";

  function csrfToken(select) {
    var form = select.form;
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function createCompany(select, option) {
    var body = new URLSearchParams();
    body.set("name", option.dataset.createName || "");
    option.textContent = option.textContent + " …";
    select.disabled = true;
    fetch(option.dataset.createUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(select), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin"
    }).then(function (response) {
      return response.text().then(function (html) { return { ok: response.ok, html: html }; });
    }).then(function (result) {
      select.disabled = false;
      select.innerHTML = result.html;
      select.focus();
    }).catch(function () {
      select.disabled = false;
    });
  }

  // Enter in the search box searches (htmx already did): it must not send the whole form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches(".company-search input[type=search]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.closest(".company-search")) { return; }
    var option = select.options[select.selectedIndex];
    if (option && option.dataset.createUrl) { createCompany(select, option); }
  });
})();
