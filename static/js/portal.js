// Focus the error summary after a failed submit so screen-reader and keyboard users land on it.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
