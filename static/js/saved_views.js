/* The list's filters change the address through htmx without reloading the page: the view
   saved is the one on screen, read from the address when the form is sent. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "save-view-form") { return; }
    form.elements.query.value = window.location.search.replace(/^\?/, "");
  });
})();
