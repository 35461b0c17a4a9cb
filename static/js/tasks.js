// Commercial tasks: the mass-action bar shows once a task is selected; the task forms
// loaded by htmx open in a dialog. Without JavaScript both work as plain pages.
(() => {
  const bind = (root) => {
    root.querySelectorAll(".task-mass[data-mass-form]").forEach((bar) => {
      if (bar.dataset.bound) return;
      bar.dataset.bound = "1";
      const formId = bar.dataset.massForm;
      const boxes = () => document.querySelectorAll(`input[type=checkbox][name=tasks][form="${formId}"]`);
      const table = document.querySelector(`input[name=tasks][form="${formId}"]`)?.closest("table");
      const all = table?.querySelector(".js-select-all");
      const update = () => {
        const count = [...boxes()].filter((box) => box.checked).length;
        bar.hidden = count === 0;
        bar.querySelector(".js-task-count").textContent = count;
        if (all) all.checked = count > 0 && count === boxes().length;
      };
      boxes().forEach((box) => box.addEventListener("change", update));
      all?.addEventListener("change", () => {
        boxes().forEach((box) => { box.checked = all.checked; });
        update();
      });
      update();
    });
  };
  const dialog = () => document.getElementById("task-dialog");
  document.addEventListener("DOMContentLoaded", () => bind(document));
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "task-dialog-body" || !dialog()) return;
    document.querySelectorAll("details.task-more[open]").forEach((menu) => { menu.open = false; });
    if (!dialog().open) dialog().showModal();
  });
  // A task saved from the dialog (tasks/views.py: _saved): reload the card on its tasks tab.
  document.body.addEventListener("taskSaved", (event) => {
    const target = new URL(event.detail.url, window.location.href);
    if (target.pathname === window.location.pathname && target.search === window.location.search) {
      window.location.hash = target.hash;
      window.location.reload();
    } else {
      window.location.assign(target.href);
    }
  });
  document.addEventListener("click", (event) => {
    const close = event.target.closest(".task-dialog .js-close");
    if (close) {
      event.preventDefault();
      close.closest("dialog").close();
    }
  });
})();
