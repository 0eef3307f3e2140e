// The receipt's print button: shown only where a script runs (without one, the browser's
// own print command does the same, with the print stylesheet).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
