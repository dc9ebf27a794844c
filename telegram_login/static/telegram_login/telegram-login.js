// Behaviour of the Telegram sign-in widget that htmx attributes alone cannot express. The widget
// brings this file itself (any allauth page may hold it), and htmx too where the page has none.
(function () {
  "use strict";
  if (window.telegramLoginWidget) return; // included once per widget; run once per page
  window.telegramLoginWidget = true;

  if (!window.htmx) {
    var me = document.currentScript;
    var src = me && me.getAttribute("data-htmx-src");
    if (src) {
      var htmxScript = document.createElement("script");
      htmxScript.src = src;
      htmxScript.onload = function () {
        window.htmx.process(document.body);
      };
      document.head.appendChild(htmxScript);
    }
  }

  // Styles for "no JavaScript" (the spinner and other live-only hints hide without it).
  document.documentElement.classList.remove("no-js");
  // The widget the page was served with needs no announcement; only the ones swapped in do.
  var served = document.getElementById("telegram-login");
  if (served) served.dataset.announced = "yes";

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

  // After each state change: say it in the live region outside the widget (a replaced element
  // may not be announced), move focus to the widget's heading (so the next Tab reaches its
  // first control, not the top of the page), and keep the widget in view.
  document.addEventListener("htmx:afterSettle", function () {
    var widget = document.getElementById("telegram-login");
    if (!widget || widget.dataset.announced === "yes") return;
    widget.dataset.announced = "yes";
    var announcer = document.querySelector("[data-telegram-announcer]");
    if (announcer) announcer.textContent = widget.getAttribute("data-announce") || "";
    var heading = widget.querySelector("[data-telegram-heading]");
    if (heading) heading.focus({ preventScroll: true });
    widget.scrollIntoView({ block: "nearest" });
    var rect = widget.getBoundingClientRect();
    if (rect.top < 0 || rect.top > window.innerHeight / 3) {
      widget.scrollIntoView({ block: "start" });
    }
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
