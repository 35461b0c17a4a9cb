/* The ⋮ menus (card header, list rows) are <details>: they open with Enter or a click without
   JavaScript. Here they also close on an outside click and on Escape (focus back on their
   button), announce their state (aria-expanded), move with the arrow keys, and one at a time. */
(function () {
  "use strict";
  var SELECTOR = "details.kebab, details.menu";

  function items(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll("a[href], button:not([disabled])"));
  }

  function sync(menu) {
    var summary = menu.querySelector("summary");
    if (summary) {
      summary.setAttribute("aria-haspopup", "menu");
      summary.setAttribute("aria-expanded", menu.open ? "true" : "false");
    }
  }

  function close(menu, focusSummary) {
    if (!menu.open) { return; }
    menu.open = false;
    sync(menu);
    if (focusSummary) { menu.querySelector("summary").focus(); }
  }

  document.querySelectorAll(SELECTOR).forEach(sync);

  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!(menu instanceof HTMLDetailsElement) || !menu.matches(SELECTOR)) { return; }
    sync(menu);
    if (menu.open) {
      document.querySelectorAll(SELECTOR).forEach(function (other) { if (other !== menu) { close(other, false); } });
      var first = items(menu)[0];
      if (first && menu.dataset.keyboard === "1") { first.focus(); }
    }
    menu.dataset.keyboard = "";
  }, true);

  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest && event.target.closest(SELECTOR);
    if (event.key === "Escape") {
      var open = menu && menu.open ? menu : document.querySelector(SELECTOR.replace(/details/g, "details[open]"));
      if (open) { event.preventDefault(); close(open, true); }
      return;
    }
    if (!menu) { return; }
    if ((event.key === "Enter" || event.key === " ") && event.target.tagName === "SUMMARY") {
      menu.dataset.keyboard = "1";  // opened from the keyboard: the first item gets the focus
    }
    if (menu.open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      var list = items(menu);
      var index = list.indexOf(document.activeElement);
      var next = event.key === "ArrowDown" ? index + 1 : index - 1;
      if (list.length) {
        event.preventDefault();
        list[(next + list.length) % list.length].focus();
      }
    }
  });

  document.addEventListener("click", function (event) {
    document.querySelectorAll(SELECTOR.replace(/details/g, "details[open]")).forEach(function (menu) {
      if (!menu.contains(event.target)) { close(menu, false); }
    });
  });
})();
