// Keyboard use of the staff inbox: "/" jumps to search, j/k move between dossiers, Enter opens one.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target.closest("input, select, textarea, [contenteditable]")) return;
  const links = Array.from(document.querySelectorAll("#inbox-table .inbox-link"));
  if (event.key === "/") {
    const search = document.querySelector("input[name=q]");
    if (search) { event.preventDefault(); search.focus(); }
    return;
  }
  if (!links.length || (event.key !== "j" && event.key !== "k")) return;
  const current = links.indexOf(document.activeElement);
  const next = event.key === "j" ? Math.min(current + 1, links.length - 1) : Math.max(current - 1, 0);
  event.preventDefault();
  links[current === -1 ? 0 : next].focus();
});
