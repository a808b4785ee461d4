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
      const value = chosen ? chosen.value : "";
      form.querySelectorAll("[data-outcome-label]").forEach((el) => {
        el.hidden = el.dataset.outcomeLabel !== value;
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

// Returning a result: show the fields of the chosen way (at the counter, or by post).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-return-form]");
  if (!form) return;
  const sync = () => {
    const how = form.querySelector("input[name=how]:checked");
    form.querySelectorAll("[data-how]").forEach((box) => { box.hidden = !how || box.dataset.how !== how.value; });
  };
  form.addEventListener("change", (e) => { if (e.target.name === "how") sync(); });
  sync();
});

// Result lists (procedures, dossiers): ↓/↑ move between links, from the search box too.
document.addEventListener("keydown", (e) => {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
  const t = e.target;
  const list = document.querySelector("[data-result-list]");
  if (!list) return;
  const links = Array.from(list.querySelectorAll("a"));
  if (!links.length) return;
  const i = links.indexOf(t);
  if (i === -1 && t.matches && t.matches("input[type=search]") && e.key === "ArrowDown") {
    e.preventDefault(); links[0].focus(); return;
  }
  if (i === -1) return;
  e.preventDefault();
  const next = e.key === "ArrowDown" ? Math.min(i + 1, links.length - 1) : i - 1;
  if (next < 0) { const s = document.querySelector("input[type=search]"); if (s) s.focus(); } else links[next].focus();
});
