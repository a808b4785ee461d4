// The desk: show only the chosen outcome's fields, keep keyboard users moving.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-outcome-form]");
  if (form) {
    const sync = () => {
      const chosen = form.querySelector("input[name=outcome]:checked");
      form.querySelectorAll("[data-outcome-panel]").forEach((panel) => {
        const on = chosen && panel.dataset.outcomePanel === chosen.value;
        panel.hidden = !on;
        panel.querySelectorAll("input, textarea, select").forEach((el) => { el.disabled = !on; });
      });
      form.querySelectorAll("[data-outcome-label]").forEach((el) => {
        el.hidden = !chosen || el.dataset.outcomeLabel !== chosen.value;
      });
    };
    form.addEventListener("change", (e) => { if (e.target.name === "outcome") sync(); });
    sync();
    // A document not ticked as received gets its reason field focused: the supplement list is written as you go.
    form.querySelectorAll("input[data-received]").forEach((box) => {
      box.addEventListener("change", () => {
        const row = box.closest("tr");
        row.classList.toggle("missing", !box.checked);
      });
    });
  }
  // "/" jumps to the page's search box, as in most web applications.
  document.addEventListener("keydown", (e) => {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t.closest && t.closest("input, textarea, select, [contenteditable]")) return;
    const search = document.querySelector("input[type=search]");
    if (search) { e.preventDefault(); search.focus(); search.select(); }
  });
});
