/* The list's "Colonnes" menu: each tick is saved at once and the table is reloaded from the
   server (hidden columns are not rendered at all). Without JavaScript, "Appliquer" posts it. */
(function () {
  "use strict";
  var form = document.getElementById("columns-form");
  if (!form) { return; }
  var apply = form.querySelector(".js-hide");
  if (apply) { apply.hidden = true; }
  form.addEventListener("change", function () {
    form.elements.query.value = window.location.search.replace(/^\?/, "");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual" })
      .then(function () {
        if (window.htmx) {
          window.htmx.ajax("GET", window.location.href, { target: "#results", swap: "outerHTML" });
        } else {
          window.location.reload();
        }
      });
  });
})();
