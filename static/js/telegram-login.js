// Behaviour of the Telegram sign-in widget that htmx attributes alone cannot express.
(function () {
  "use strict";

  // Do not poll while the tab is hidden (people are in the Telegram app); poll at once on return.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (element.hasAttribute("data-telegram-poll") && document.visibilityState === "hidden") {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || !window.htmx) return;
    document.querySelectorAll("[data-telegram-poll]").forEach(function (element) {
      window.htmx.trigger(element, "telegram-login:poll");
    });
  });

  // Copy buttons: the clipboard where allowed, otherwise select the text for Ctrl+C.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var input = button.parentElement.querySelector("input");
    var done = function () {
      button.textContent = button.getAttribute("data-copied-label") || "Copied";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        if (input) input.select();
      });
    } else if (input) {
      input.select();
    }
  });
})();
