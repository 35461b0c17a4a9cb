/* On phones the top bar collapses into a "Menu" button (aria-expanded); Escape and an outside
   click close it. Without JavaScript the bar simply wraps (static/css/layout.css). */
(function () {
  "use strict";
  var bar = document.getElementById("topbar");
  var toggle = bar && bar.querySelector(".nav-toggle");
  if (!toggle) { return; }
  bar.classList.add("collapsible");
  toggle.hidden = false;

  function setOpen(open) {
    bar.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  toggle.addEventListener("click", function () { setOpen(!bar.classList.contains("open")); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && bar.classList.contains("open")) { setOpen(false); toggle.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (bar.classList.contains("open") && !bar.contains(event.target)) { setOpen(false); }
  });
})();
