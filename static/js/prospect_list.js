/* Prospect list: row selection, "select all matching the filter" (B5), mass-action dialogs,
   company picker. The table itself is swapped by htmx; everything here is delegated. */
(function () {
  "use strict";
  var allMatching = false;

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function results() { return document.getElementById("results"); }
  function checkedBoxes() { return $$("#results .row-check:checked"); }

  function selectedCount() {
    var box = results();
    return allMatching && box ? Number(box.dataset.count) : checkedBoxes().length;
  }

  function refresh() {
    var box = results();
    if (!box) { return; }
    var boxes = $$(".row-check", box);
    var ticked = checkedBoxes().length;
    var pageBox = $("#check-page", box);
    if (ticked < boxes.length) { allMatching = false; }
    if (pageBox) {
      pageBox.checked = boxes.length > 0 && ticked === boxes.length;
      pageBox.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    $(".mass-bar", box).hidden = ticked === 0;
    var total = Number(box.dataset.count);
    $(".select-matching", box).hidden = !(ticked > 0 && ticked === boxes.length && total > boxes.length);
    $(".js-select-matching", box).hidden = allMatching;
    $(".js-matching-selected", box).hidden = !allMatching;
    // "All matching" shows the count as the server formatted it ("5 000"); a page's ticks, in the page's language.
    var count = allMatching && box.dataset.countLabel
      ? box.dataset.countLabel
      : new Intl.NumberFormat(document.documentElement.lang || "fr").format(selectedCount());
    $$(".js-selected-count").forEach(function (el) { el.textContent = count; });
    $$("tbody tr", box).forEach(function (row) {
      var check = $(".row-check", row);
      row.classList.toggle("selected", !!(check && check.checked));
    });
  }

  function addHidden(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    input.className = "js-injected";
    form.appendChild(input);
  }

  function markActiveFilters() {
    // The filter bar is not re-rendered by htmx: keep its chips and counters in step.
    $$("#filters details.filter").forEach(function (details) {
      var ticked = $$("input:checked", details).length;
      var summary = $("summary", details);
      var badge = $(".badge", summary);
      details.classList.toggle("active", ticked > 0);
      if (ticked && !badge) {
        badge = document.createElement("span");
        badge.className = "badge";
        summary.appendChild(document.createTextNode(" "));
        summary.appendChild(badge);
      }
      if (badge) { badge.textContent = ticked || ""; badge.hidden = !ticked; }
    });
  }

  // A row's ⋮ (prospects/list/rows.py): the page's one menu template, cloned with the items
  // of the row's bit mask (data-m) and the row's ids; without JavaScript the link opens the
  // contact's actions page instead.
  var PK = "999999999";

  function closeRowMenus() {
    $$("#results .row-menu").forEach(function (menu) {
      var link = menu.previousElementSibling;
      if (link) { link.setAttribute("aria-expanded", "false"); }
      menu.remove();
    });
  }

  function openRowMenu(link) {
    var template = document.getElementById("row-menu");
    var row = link.closest("tr");
    if (!template || !row) { return false; }
    var menu = template.content.firstElementChild.cloneNode(true);
    var mask = Number(link.dataset.m);
    $$("li", menu).forEach(function (item, position) {
      if (!(mask & (1 << position))) { item.remove(); return; }
      var control = $("[data-action]", item);
      var id = control.dataset.action === "company" ? link.dataset.c : row.dataset.id;
      control.setAttribute("href", control.getAttribute("href").replace(PK, id));
    });
    link.after(menu);
    link.setAttribute("aria-expanded", "true");
    var first = $("a, button", menu);
    if (first) { first.focus(); }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var menu = $("#results .row-menu");
    if (!menu) { return; }
    if (event.key === "Escape") {
      var link = menu.previousElementSibling;
      closeRowMenus();
      if (link) { link.focus(); }
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var items = $$("[role=menuitem]", menu);
      var position = items.indexOf(document.activeElement);
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = items[(position + step + items.length) % items.length];
      if (next) { event.preventDefault(); next.focus(); }
    }
  });

  // The phone layout labels each cell with its column's title (prospects/list/rows.py does not
  // repeat the titles in every row).
  function labelCells() {
    var table = document.getElementById("prospect-table");
    if (!table) { return; }
    var titles = $$("thead th", table).map(function (th) { return th.textContent.replace(/[▲▼]/g, "").trim(); });
    $$("tbody tr", table).forEach(function (row) {
      Array.prototype.forEach.call(row.cells, function (cell, index) {
        var title = titles[index];
        if (title && !cell.classList.contains("check") && !cell.classList.contains("row-actions")) {
          cell.setAttribute("data-label", title);
        }
      });
    });
  }
  labelCells();
  document.body.addEventListener("htmx:afterSettle", labelCells);

  // A cell cut by CSS (td.cut, one line with an ellipsis) shows its full text on hover.
  document.addEventListener("mouseover", function (event) {
    var cell = event.target.closest && event.target.closest("#prospect-table td.cut");
    if (cell && !cell.title && cell.scrollWidth > cell.clientWidth) { cell.title = cell.textContent.trim(); }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.closest && target.closest("#filters")) { markActiveFilters(); }
    if (target.id === "check-page") {
      $$("#results .row-check").forEach(function (box) { box.checked = target.checked; });
      allMatching = false;
      refresh();
    } else if (target.classList.contains("row-check")) {
      refresh();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    var more = target.closest("a.more");
    if (more && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      var wasOpen = more.nextElementSibling && more.nextElementSibling.classList.contains("row-menu");
      closeRowMenus();
      if (wasOpen || openRowMenu(more)) { event.preventDefault(); }
      return;
    }
    if (!target.closest(".row-menu")) { closeRowMenus(); }
    var opener = target.closest("[data-dialog]");
    if (opener) {
      event.preventDefault();
      refresh();
      document.getElementById(opener.dataset.dialog).showModal();
      return;
    }
    if (target.closest(".js-close")) {
      event.preventDefault();
      target.closest("dialog").close();
      return;
    }
    if (target.closest(".js-select-matching")) {
      event.preventDefault();
      allMatching = true;
      refresh();
      return;
    }
    if (target.closest(".js-clear-selection")) {
      event.preventDefault();
      allMatching = false;
      $$("#results .row-check").forEach(function (box) { box.checked = false; });
      refresh();
      return;
    }
    // Close the open filter panels when clicking elsewhere.
    $$("details.filter[open]").forEach(function (details) {
      if (!details.contains(target)) { details.open = false; }
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("mass-form")) { return; }
    $$("input.js-injected", form).forEach(function (input) { input.remove(); });
    addHidden(form, "query", window.location.search.replace(/^\?/, ""));
    if (allMatching) {
      addHidden(form, "select_all", "1");
    } else {
      checkedBoxes().forEach(function (box) { addHidden(form, "ids", box.value); });
    }
  });

  document.addEventListener("htmx:afterSwap", function () { allMatching = false; refresh(); });

  document.addEventListener("DOMContentLoaded", function () {
    var picker = document.getElementById("company-q");
    var options = document.getElementById("company-options");
    if (options) {
      // Choosing a company found by the picker sets the filter (the list itself has no name).
      options.addEventListener("change", function (event) {
        event.stopPropagation();
        var chosen = options.options[options.selectedIndex];
        if (!chosen || chosen.classList.contains("picker-empty")) { return; }
        var hidden = document.getElementById("id_company");
        hidden.value = chosen.value;
        picker.value = chosen.value ? chosen.dataset.name : "";
        options.innerHTML = "";
        hidden.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
    if (picker) {
      // Typing in the picker searches companies; it must not reload the table by itself.
      picker.addEventListener("change", function (event) { event.stopPropagation(); });
      picker.addEventListener("keyup", function (event) { event.stopPropagation(); });
      picker.addEventListener("input", function () {
        if (!picker.value) {
          var hidden = document.getElementById("id_company");
          if (hidden.value) { hidden.value = ""; hidden.dispatchEvent(new Event("change", { bubbles: true })); }
        }
      });
    }
    refresh();
  });
})();
