// Spotlight's web pages work without this file; it only saves a click or two.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A range chooser applies as soon as a range is picked (its button stays for keyboards
  // and for browsers without scripts).
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  // A decision asks for a reason before it is sent.
  for (const form of document.querySelectorAll("form[data-needs-reason]")) {
    form.addEventListener("submit", (event) => {
      const reason = form.querySelector("textarea[name=reason]");
      if (reason && reason.value.trim() === "") {
        event.preventDefault();
        reason.focus();
      }
    });
  }
});
