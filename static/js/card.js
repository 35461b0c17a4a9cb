// Contact card pages: a search box that hides the choices not matching what is typed.
document.querySelectorAll("input[data-filter]").forEach((input) => {
  const container = document.querySelector(input.dataset.filter);
  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  input.addEventListener("input", () => {
    const term = fold(input.value.trim());
    container.querySelectorAll("[data-filter-text]").forEach((choice) => {
      choice.hidden = term !== "" && !fold(choice.dataset.filterText).includes(term);
    });
    container.querySelectorAll("fieldset").forEach((group) => {
      group.hidden = !group.querySelector("[data-filter-text]:not([hidden])");
    });
  });
});
